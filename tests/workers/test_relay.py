"""The outbox relay against real PostgreSQL and Kafka: envelopes, order, crashes, and outages.

The relay runs in a thread of the test process, except in the tests marked `processes`. One test stops the
machine's shared Kafka (the `stack` fixture: marked `stops_services`): never run it next to `make run` or
another run of the suite; `make test-fast` leaves it out.
"""

import random
import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from django.db import transaction

from tests.support.factories import UserProfileFactory
from tests.support.kafka import consume, distinct_event_ids, first_arrivals_by_key
from tests.support.processes import ManagedProcess
from tests.support.waiting import wait_for
from workers.events.models import OutboxEvent
from workers.events.outbox import emit
from workers.kafka.clients import REMINDERS, TASK_UPDATES
from workers.relay.database import connect, connection_params
from workers.relay.loop import OutboxRelay, RelaySettings

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("kafka_topics")]

BROKER_OUTAGE = 2.0  # seconds the broker stays down while the API writes: the relay meets it and backs off


def unpublished() -> int:
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


def write_events(users: list[str], per_user: int, *, pause: float = 0.0) -> list[str]:
    """Events in small transactions, users interleaved; returns the event ids in outbox order. `pause`
    spreads the transactions out in time, so that they overlap what the test does to the relays."""
    ids = []
    for n in range(per_user):
        with transaction.atomic():
            for user_id in users:
                envelope = emit(
                    topic=TASK_UPDATES,
                    event_type="task.updated",
                    task_id=n,
                    user_id=user_id,
                    payload={"n": n},
                    at=datetime.now(tz=UTC),
                )
                ids.append(envelope["event_id"])
        if pause:
            time.sleep(pause)
    return ids


def outbox_order(user_ids: list[str]) -> dict[str, list[str]]:
    order: dict[str, list[str]] = {user_id: [] for user_id in user_ids}
    for key, event_id in (
        OutboxEvent.objects.filter(key__in=user_ids).order_by("id").values_list("key", "event_id")
    ):
        order[key].append(event_id)
    return order


def test_api_events_arrive_with_the_exact_envelope_and_headers(relay, api, user):
    body = api.post("tasks", {"title": "Publish me", "reminder_at": "2099-01-01T09:00:00Z"}).json()
    rows = {row.event_id: row for row in OutboxEvent.objects.filter(key=user.id)}
    assert len(rows) == 2

    received = consume([TASK_UPDATES, REMINDERS], keys={user.id}, until=lambda got: len(got) >= 2)

    assert {message.event_id for message in received} == set(rows)
    for message in received:
        row = rows[message.event_id]
        assert message.topic.endswith(row.topic)
        assert message.key == user.id
        assert message.value == row.payload
        assert message.value["task_id"] == body["id"]
        assert message.headers == {"event_id": row.event_id, "event_type": row.event_type}  # no trace: off
    wait_for(lambda: unpublished() == 0, timeout=10, message="rows marked published")


def test_a_users_events_share_one_partition(relay):
    users = [f"u-{uuid.uuid4().hex[:8]}" for _ in range(5)]
    write_events(users, 10)

    received = consume([TASK_UPDATES], keys=set(users), until=lambda got: len(got) >= 50)

    partitions: dict[str, set[int]] = {}
    for message in received:
        partitions.setdefault(message.key, set()).add(message.partition)
    assert all(len(found) == 1 for found in partitions.values()), partitions


def test_a_transaction_committing_after_a_later_one_is_still_published(relay, settings):
    early, late = f"early-{uuid.uuid4().hex[:8]}", f"late-{uuid.uuid4().hex[:8]}"
    insert = (
        "INSERT INTO outbox_events (topic, key, event_id, event_type, payload, headers, origin) "
        "VALUES (%s, %s, %s, 'test.event', %s, '{}', 'emitted') RETURNING id"
    )
    slow = connect(autocommit=False)
    fast = connect(autocommit=False)
    try:
        envelope = '{"event_id": "%s"}'
        early_id = slow.execute(insert, [TASK_UPDATES, early, early, envelope % early]).fetchone()
        late_id = fast.execute(insert, [TASK_UPDATES, late, late, envelope % late]).fetchone()
        assert early_id is not None
        assert late_id is not None
        assert early_id[0] < late_id[0]
        fast.commit()
        wait_for(
            lambda: OutboxEvent.objects.filter(event_id=late, published_at__isnull=False).exists(),
            timeout=10,
            message="the later row is published first",
        )
        slow.commit()
    finally:
        slow.close()
        fast.close()

    received = consume([TASK_UPDATES], keys={early, late}, until=lambda got: len(got) >= 2)
    assert distinct_event_ids(received) == {early, late}


def test_rows_the_broker_refuses_back_off_then_are_given_up_without_blocking_others(settings):
    # A topic that does not exist (auto-creation is off): the broker refuses the row itself.
    rows = [("no-such-topic", 1, "blocked"), (TASK_UPDATES, 2, "blocked"), (TASK_UPDATES, 3, "free")]
    with transaction.atomic():
        for topic, task_id, user_id in rows:
            emit(
                topic=topic,
                event_type="t",
                task_id=task_id,
                user_id=user_id,
                payload={},
                at=datetime.now(tz=UTC),
            )
    relay = OutboxRelay(RelaySettings(max_attempts=2, row_backoff_base=0.2))
    relay._ensure_leadership()
    try:
        first = relay.run_round()
        # "free" went out; "blocked" had its first row refused and its second held back behind it.
        assert (first.published, first.failed) == (1, 1)
        bad = OutboxEvent.objects.get(topic="no-such-topic")
        assert (bad.attempts, bad.failed_at) == (1, None)
        assert "UNKNOWN_TOPIC" in bad.last_error
        assert relay.run_round().claimed == 0  # the bad row's backoff holds its user's later row back
        # Once its backoff has passed, the bad row is tried again: the second refusal gives it up.
        wait_for(lambda: relay.run_round().failed == 1, timeout=10, message="the second refusal")
        bad.refresh_from_db()
        assert bad.failed_at is not None
        wait_for(lambda: relay.run_round().published == 1 or unpublished() == 1, timeout=10)
    finally:
        relay.stop.set()
        relay._shutdown()
    assert list(OutboxEvent.objects.filter(published_at__isnull=True).values_list("topic", flat=True)) == [
        "no-such-topic"
    ]


@pytest.mark.processes
def test_kill_9_at_random_moments_loses_nothing_and_keeps_per_user_order():
    users = [f"crash-{n}-{uuid.uuid4().hex[:6]}" for n in range(50)]
    rng = random.Random(42)
    relay = ManagedProcess(
        "relay-crash", "run_outbox_relay", "--poll-interval", "0.2", "--batch-size", "500"
    ).start()
    writer = threading.Thread(target=write_events, args=(users, 100), kwargs={"pause": 0.02})
    writer.start()
    kills = 0
    try:
        while writer.is_alive() or kills < 4:
            time.sleep(rng.uniform(0.1, 0.6))  # the point: a kill at a random moment of its work
            relay.kill()
            kills += 1
            relay.start()
        writer.join()
        wait_for(lambda: unpublished() == 0, timeout=60, message="every row published after the restarts")
    finally:
        relay.stop()
    expected = outbox_order(users)
    assert sum(len(ids) for ids in expected.values()) == 5000

    received = consume(
        [TASK_UPDATES], keys=set(users), until=lambda got: len(distinct_event_ids(got)) >= 5000, timeout=60
    )

    assert distinct_event_ids(received) == {event_id for ids in expected.values() for event_id in ids}
    assert first_arrivals_by_key(received) == expected
    assert kills >= 4


@pytest.mark.processes
def test_two_relays_publish_everything_in_order_and_one_takes_over_from_the_other():
    users = [f"pair-{n}-{uuid.uuid4().hex[:6]}" for n in range(20)]
    first = ManagedProcess("relay-a", "run_outbox_relay", "--poll-interval", "0.2").start()
    second = ManagedProcess("relay-b", "run_outbox_relay", "--poll-interval", "0.2").start()
    try:
        write_events(users[:10], 50, pause=0.005)
        wait_for(lambda: unpublished() == 0, timeout=30, message="first half published")
        active, standby = (first, second) if "relay is active" in first.log() else (second, first)
        assert "relay is active" in active.log()
        assert "relay is active" not in standby.log()
        active.kill()
        write_events(users[10:], 50, pause=0.005)
        wait_for(lambda: unpublished() == 0, timeout=30, message="second half published by the standby")
        assert "relay is active" in standby.log()
    finally:
        first.stop()
        second.stop()
    expected = outbox_order(users)

    received = consume(
        [TASK_UPDATES], keys=set(users), until=lambda got: len(distinct_event_ids(got)) >= 1000
    )

    assert first_arrivals_by_key(received) == expected


def test_broker_outage_delays_but_loses_nothing_and_the_api_keeps_writing(relay, api, user, stack):
    stack.run("kafka", "down")
    try:
        assert not stack.port_open(9092)
        statuses = [api.post("tasks", {"title": f"during outage {n}"}).status_code for n in range(20)]
        assert statuses == [201] * 20
        time.sleep(BROKER_OUTAGE)  # the outage itself: the relay tries, fails and backs off meanwhile
        assert unpublished() == 20
    finally:
        stack.run("kafka", "up")

    wait_for(lambda: unpublished() == 0, timeout=90, message="published after the broker came back")
    received = consume([TASK_UPDATES], keys={user.id}, until=lambda got: len(distinct_event_ids(got)) >= 20)
    assert len(distinct_event_ids(received)) == 20


def test_a_database_outage_of_the_relay_connection_is_survived(relay):
    wait_for(lambda: relay.is_leader, timeout=10, message="relay active")
    with psycopg.connect(**connection_params(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'outbox-relay' AND datname = current_database()"
        )
    user = UserProfileFactory().id
    write_events([user], 5)
    wait_for(lambda: unpublished() == 0, timeout=20, message="published after reconnecting")
