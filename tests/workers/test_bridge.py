"""Bridge consumers against real Kafka, Redis (the Celery broker) and PostgreSQL."""

import json
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.support.celery_queue import empty, handed_over, queued
from tests.support.pipeline import Background
from tests.support.waiting import wait_for
from workers.bridge.loop import BATCH_MAX, Bridge
from workers.bridge.registry import consumers
from workers.dead_letters.models import DeadLetter
from workers.events.models import OutboxEvent
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES, make_producer, physical_topic

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("kafka_topics")]


def produce(topic: str, key: str, value: bytes | None) -> None:
    producer = make_producer()
    producer.produce(physical_topic(topic), key=key, value=value)
    assert producer.flush(10) == 0


def event(event_type: str = "task.completed", user_id: str = "u", **payload) -> dict:
    task_id = payload.pop("task_id", 1)
    return {
        "event_id": f"{event_type}-{task_id}-{uuid.uuid4().int % 10**13}",
        "event_type": event_type,
        "event_version": "1.0",
        "task_id": task_id,
        "user_id": user_id,
        "timestamp": "2026-11-28T10:00:00.000Z",
        "payload": {"task_id": task_id, **payload},
    }


@pytest.fixture
def start_bridge() -> Iterator[Callable[[str], Background]]:
    """Starts a bridge consumer in a thread; whatever is still running at the end is stopped."""
    started: list[Background] = []

    def start(name: str) -> Background:
        started.append(Background(Bridge(consumers()[name])))
        return started[-1]

    empty("recurrence")
    empty("reminders")
    yield start
    for background in started:
        if background.thread.is_alive():
            background.stop()


def test_a_completed_recurring_task_becomes_a_celery_task_with_its_event_id(start_bridge):
    user = f"u-{uuid.uuid4().hex[:8]}"
    completed = event(user_id=user, recurring_pattern="DAILY")
    start_bridge("recurrence")
    produce(TASK_EVENTS, user, json.dumps(completed).encode())

    wait_for(lambda: len(queued("recurrence")) == 1, timeout=20, message="the task reaches Redis")
    [task] = queued("recurrence")
    assert task.name == "recurrence.handle_task_completed_batch"  # a batch of one
    assert task.task_id == f"recurrence:{completed['event_id']}+0"
    assert task.args == [[completed]]


def test_completed_tasks_that_do_not_recur_are_skipped(start_bridge):
    user = f"u-{uuid.uuid4().hex[:8]}"
    start_bridge("recurrence")
    produce(TASK_EVENTS, user, json.dumps(event(user_id=user, recurring_pattern=None)).encode())
    recurring = event(user_id=user, recurring_pattern="WEEKLY")
    produce(TASK_EVENTS, user, json.dumps(recurring).encode())

    wait_for(lambda: len(handed_over("recurrence")) == 1, timeout=20, message="the recurring one arrives")
    assert handed_over("recurrence") == [recurring]


@pytest.mark.parametrize(
    ("consumer", "topic", "valid_type"),
    [
        ("recurrence", TASK_EVENTS, "task.completed"),
        ("reminders", REMINDERS, "reminder.scheduled"),
        ("task-updates", TASK_UPDATES, "task.created"),
    ],
)
def test_poison_records_are_dead_lettered_at_once_and_the_consumer_moves_on(
    start_bridge, consumer, topic, valid_type
):
    user = f"u-{uuid.uuid4().hex[:8]}"
    start_bridge(consumer)
    produce(topic, user, b"{this is not json")
    produce(topic, user, json.dumps({"event_id": "half-an-event", "user_id": user}).encode())
    produce(topic, user, json.dumps(event("task.exploded", user_id=user)).encode())
    good = event(valid_type, user_id=user, recurring_pattern="DAILY")
    produce(topic, user, json.dumps(good).encode())

    wait_for(
        lambda: DeadLetter.objects.filter(key=user).count() == 3, timeout=20, message="three dead letters"
    )
    letters = list(DeadLetter.objects.filter(key=user).order_by("offset"))
    assert [letter.error_class.rsplit(".", 1)[1] for letter in letters] == [
        "JSONDecodeError",
        "InvalidEnvelopeError",
        "UnknownEventError",
    ]
    assert letters[0].envelope == "{this is not json"
    assert letters[0].event_id.startswith(f"unreadable-{topic}-")
    assert letters[1].event_id == "half-an-event"
    assert "missing fields" in letters[1].error_message
    assert all(
        letter.original_topic == topic and letter.consumer == f"bridge-{consumer}" for letter in letters
    )
    offsets = [letter.offset or 0 for letter in letters]
    assert offsets == sorted(set(offsets))  # three records, in log order
    copies = OutboxEvent.objects.filter(key=user, topic=f"{topic}-dlq").order_by("id")
    assert copies.count() == 3
    headers = copies[2].headers
    assert headers["__connect.errors.topic"] == topic
    assert headers["__connect.errors.offset"] == str(letters[2].offset)
    assert headers["__connect.errors.partition"] == str(letters[2].partition)
    assert headers["__connect.errors.exception.class.name"] == "UnknownEventError"
    assert "task.exploded" in headers["__connect.errors.exception.message"]
    if consumer != "task-updates":  # that consumer only counts what it reads
        queue = consumers()[consumer].queue
        assert queue is not None
        wait_for(lambda: len(handed_over(queue)) == 1, timeout=20, message="the good record after the poison")
        assert handed_over(queue) == [good]


def test_offsets_are_committed_so_a_restarted_consumer_does_not_hand_off_again(start_bridge):
    user = f"u-{uuid.uuid4().hex[:8]}"
    first = start_bridge("recurrence")
    produce(TASK_EVENTS, user, json.dumps(event(user_id=user, recurring_pattern="DAILY")).encode())
    wait_for(lambda: len(handed_over("recurrence")) == 1, timeout=20, message="handed off")
    first.stop()

    start_bridge("recurrence")
    later = event(user_id=user, recurring_pattern="DAILY")
    produce(TASK_EVENTS, user, json.dumps(later).encode())
    wait_for(lambda: len(handed_over("recurrence")) == 2, timeout=30, message="only the new record")
    assert handed_over("recurrence")[1] == later


@pytest.mark.processes
def test_celery_broker_down_pauses_the_partition_and_nothing_is_lost(start_bridge, stack):
    user = f"u-{uuid.uuid4().hex[:8]}"
    running = start_bridge("recurrence")
    stack.run("redis", "down")
    try:
        events = [event(user_id=user, recurring_pattern="DAILY") for _ in range(3)]
        for completed in events:
            produce(TASK_EVENTS, user, json.dumps(completed).encode())
        wait_for(lambda: bool(running.target.paused), timeout=20, message="the partition is paused")
    finally:
        stack.run("redis", "up")

    wait_for(lambda: len(handed_over("recurrence")) == 3, timeout=60, message="all three after Redis is back")
    assert handed_over("recurrence") == events


def test_consecutive_records_of_a_partition_go_to_celery_together_in_order(start_bridge):
    """Records already in the log when the bridge starts come in one fetch: fewer Celery messages than
    events, none over BATCH_MAX, every event once and in log order."""
    user = f"u-{uuid.uuid4().hex[:8]}"
    events = [event(user_id=user, task_id=n, recurring_pattern="DAILY") for n in range(BATCH_MAX + 20)]
    producer = make_producer()
    for completed in events:
        producer.produce(physical_topic(TASK_EVENTS), key=user, value=json.dumps(completed).encode())
    assert producer.flush(10) == 0
    start_bridge("recurrence")

    wait_for(lambda: len(handed_over("recurrence")) == len(events), timeout=30, message="every event")
    assert handed_over("recurrence") == events
    batches = queued("recurrence")
    assert 2 <= len(batches) < len(events)
    assert all(len(batch.args[0]) <= BATCH_MAX for batch in batches)


def test_a_skipped_record_rides_with_the_batch_and_a_poison_record_splits_it(start_bridge):
    """A record this consumer does not want adds nothing to the batch, and the batch goes on past it; one to
    dead-letter sends the batch before it first, so that offsets still move in log order."""
    user = f"u-{uuid.uuid4().hex[:8]}"
    first, second, third = (event(user_id=user, task_id=n, recurring_pattern="DAILY") for n in (1, 2, 3))
    producer = make_producer()
    for value in (
        json.dumps(first).encode(),
        json.dumps(event(user_id=user, task_id=9, recurring_pattern=None)).encode(),  # skipped
        json.dumps(second).encode(),
        b"{poison",  # dead-lettered alone
        json.dumps(third).encode(),
    ):
        producer.produce(physical_topic(TASK_EVENTS), key=user, value=value)
    assert producer.flush(10) == 0
    start_bridge("recurrence")

    wait_for(lambda: len(handed_over("recurrence")) == 3, timeout=30, message="the three recurring ones")
    assert handed_over("recurrence") == [first, second, third]
    assert [batch.args[0] for batch in queued("recurrence")] == [[first, second], [third]]
    assert DeadLetter.objects.filter(key=user).count() == 1


def test_a_batch_holds_the_records_of_every_partition_each_in_its_order(start_bridge):
    """What one fetch brings from several partitions goes in one Celery message: fewer messages than
    partitions, yet each user's events (one partition each, by key) in their log order, every event once."""
    users = [f"u-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    events = {
        user: [event(user_id=user, task_id=n, recurring_pattern="DAILY") for n in range(5)] for user in users
    }
    producer = make_producer()
    partitions: set[int] = set()

    def delivered(error, message) -> None:
        assert error is None
        partitions.add(message.partition())

    for n in range(5):
        for user in users:
            value = json.dumps(events[user][n]).encode()
            producer.produce(physical_topic(TASK_EVENTS), key=user, value=value, on_delivery=delivered)
    assert producer.flush(10) == 0
    assert len(partitions) >= 3  # eight keys over the topic's partitions
    start_bridge("recurrence")

    every = [each for series in events.values() for each in series]
    wait_for(lambda: len(handed_over("recurrence")) == len(every), timeout=30, message="every event")
    got = handed_over("recurrence")
    assert sorted(e["event_id"] for e in got) == sorted(e["event_id"] for e in every)
    for user in users:
        assert [e for e in got if e["user_id"] == user] == events[user]
    batches = queued("recurrence")
    assert len(batches) < len(partitions)
    assert max(len({e["user_id"] for e in batch.args[0]}) for batch in batches) > 1


@pytest.mark.processes
def test_celery_broker_down_rewinds_every_partition_of_a_batch_and_nothing_is_lost(start_bridge, stack):
    """A batch Redis refused pauses each of its partitions at its first record in the batch; all of it is
    handed over once Redis is back, each partition's events in order."""
    users = [f"u-{uuid.uuid4().hex[:8]}" for _ in range(6)]
    running = start_bridge("recurrence")
    wait_for(lambda: bool(running.target.assigned), timeout=30, message="partitions assigned")
    stack.run("redis", "down")
    try:
        events = {
            user: [event(user_id=user, task_id=n, recurring_pattern="DAILY") for n in range(3)]
            for user in users
        }
        producer = make_producer()
        for n in range(3):
            for user in users:
                producer.produce(
                    physical_topic(TASK_EVENTS), key=user, value=json.dumps(events[user][n]).encode()
                )
        assert producer.flush(10) == 0
        wait_for(lambda: len(running.target.paused) > 1, timeout=20, message="several partitions paused")
    finally:
        stack.run("redis", "up")

    every = [each for series in events.values() for each in series]
    wait_for(
        lambda: len(handed_over("recurrence")) >= len(every), timeout=60, message="all after Redis is back"
    )
    got = handed_over("recurrence")
    assert sorted(e["event_id"] for e in got) == sorted(e["event_id"] for e in every)
    for user in users:
        assert [e for e in got if e["user_id"] == user] == events[user]
