"""Live updates end to end: API -> outbox -> relay -> Kafka -> bridge -> Redis -> live server -> client.

The relay, the `task-updates` bridge and the live-updates server run as processes with `make run`'s
settings; the clients read real Server-Sent Event streams over HTTP.
"""

import os
import signal
import time
from collections.abc import Iterator

import pytest
import requests
from django.test import override_settings

from live_updates_app import streams
from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token
from tests.support.live import LiveServer
from tests.support.processes import ManagedProcess, celery_worker, wait_for_log
from tests.support.stack import Stack
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

HEARTBEAT_SECONDS = 15  # the default, which `make run` uses


def _person() -> Api:
    user = UserProfileFactory()
    return Api(user.id, make_token(user.id, email=user.email, name=user.name))


@pytest.fixture(scope="module")
def pipeline(django_db_setup, kafka_topics) -> Iterator[None]:
    """The relay and the `task-updates` bridge, as processes."""
    processes = [
        ManagedProcess("live-relay", "run_outbox_relay").start(),
        ManagedProcess("live-bridge-task-updates", "run_bridge", "task-updates").start(),
    ]
    yield
    for process in processes:
        process.stop()


@pytest.fixture(scope="module")
def server(pipeline) -> Iterator[LiveServer]:
    live = LiveServer().start()
    yield live
    live.stop()


@pytest.fixture
def person(server) -> Api:
    """A user whose first change has gone all the way through (the pipeline is warm)."""
    person = _person()
    client = server.stream(person.user_id, token=_token(person))
    person.post("tasks", {"title": "warm-up"})
    client.wait_for_events(1, timeout=60)
    client.close()
    return person


def _token(person: Api) -> str:
    header = person.client._credentials["HTTP_AUTHORIZATION"]  # type: ignore[attr-defined]
    return str(header.removeprefix("Bearer "))


def test_a_change_through_the_api_reaches_both_clients_of_the_user_within_a_second(server, person):
    first = server.stream(person.user_id, token=_token(person))
    second = server.stream(person.user_id, token=_token(person))
    assert first.status == second.status == 200
    assert first.headers["content-type"].startswith("text/event-stream")

    created = person.post("tasks", {"title": "Buy milk"}).json()
    sent = time.monotonic()
    wait_for(
        lambda: len(first.changes()) == len(second.changes()) == 1,
        timeout=1.0,
        interval=0.01,
        message="the change on both streams within a second",
    )
    assert time.monotonic() - sent < 1.0
    for client in (first, second):
        [event] = client.changes()
        assert event.type == "task.created"
        assert event.json["task_id"] == created["id"]
        # The same JSON as GET of the task.
        assert event.json["task"] == person.get(f"tasks/{created['id']}").json()

    person.patch(f"tasks/{created['id']}/complete", {"completed": True})
    # Published once the task is completed, and read then: a delete right after could come first, and the
    # update would rightly carry no task (it is gone by then).
    completed = first.wait_for_events(2)[1]
    assert completed.json["changed"] == ["completed", "completed_at"]
    assert completed.json["task"]["completed"] is True
    person.delete(f"tasks/{created['id']}")
    events = first.wait_for_events(3)
    assert [event.type for event in events] == ["task.created", "task.updated", "task.deleted"]
    assert events[2].json == {**events[2].json, "task_id": created["id"], "task": None}  # the tombstone
    assert [event.id for event in second.wait_for_events(3)] == [event.id for event in events]


def test_completing_a_recurring_task_delivers_the_worker_created_next_occurrence(server, person):
    bridge = ManagedProcess("live-bridge-recurrence", "run_bridge", "recurrence").start()
    worker = celery_worker("live-worker-recurrence", queues="recurrence").start()
    try:
        wait_for_log(worker, "ready.")
        client = server.stream(person.user_id, token=_token(person))
        task = person.post(
            "tasks",
            {
                "title": "Water the plants",
                "due_date": "2031-05-05T07:00:00Z",
                "recurring_pattern": "FREQ=DAILY",
            },
        ).json()
        task_id = task["id"]
        person.patch(f"tasks/{task_id}/complete", {"completed": True})

        def next_occurrence_arrived() -> bool:
            return any(
                event.type == "task.created"
                and (event.json["task"] or {}).get("parent_task_id") == task["id"]
                for event in client.changes()
            )

        wait_for(next_occurrence_arrived, timeout=60, message="the next occurrence on the stream")
        [following] = [event for event in client.changes() if event.json["task_id"] != task_id]
        assert following.json["task"]["due_date"] == "2031-05-06T07:00:00Z"
    finally:
        worker.stop()
        bridge.stop()


def test_each_user_hears_only_their_own_changes(server, person):
    people = [person, *(_person() for _ in range(23))]
    clients = {p.user_id: [server.stream(p.user_id, token=_token(p)) for _ in range(2)] for p in people}
    silent = _person()
    silent_client = server.stream(silent.user_id, token=_token(silent))

    made: dict[str, list[int]] = {p.user_id: [] for p in people}
    for round_ in range(3):
        for p in people:
            made[p.user_id].append(p.post("tasks", {"title": f"{p.user_id} #{round_}"}).json()["id"])

    for p in people:
        for client in clients[p.user_id]:
            events = client.wait_for_events(3, timeout=20)
            assert [event.json["task_id"] for event in events] == made[p.user_id]
            assert {event.json["task"]["user_id"] for event in events} == {p.user_id}
    time.sleep(1)  # anything stray would have arrived with the others by now
    assert silent_client.received() == []
    for p in people:
        for client in clients[p.user_id]:
            assert len(client.changes()) == 3


def test_reconnecting_with_last_event_id_delivers_exactly_the_missed_events_in_order(server, person):
    client = server.stream(person.user_id, token=_token(person))
    person.post("tasks", {"title": "seen"})
    [seen] = client.wait_for_events(1)
    client.close()

    watcher = server.stream(person.user_id, token=_token(person))
    missed = [person.post("tasks", {"title": f"missed {n}"}).json()["id"] for n in range(5)]
    watcher.wait_for_events(5)  # all five went through while the first client was away

    resumed = server.stream(person.user_id, token=_token(person), last_event_id=seen.id)
    events = resumed.wait_for_events(5)
    assert [event.json["task_id"] for event in events] == missed
    assert [event.id for event in events] == [event.id for event in watcher.changes()]

    after = person.post("tasks", {"title": "live again"}).json()["id"]
    events = resumed.wait_for_events(6)
    assert [event.json["task_id"] for event in events] == [*missed, after]  # no repeats, nothing skipped


def test_a_position_the_backlog_no_longer_holds_gets_resync(server, person):
    client = server.stream(person.user_id, token=_token(person))
    person.post("tasks", {"title": "first"})
    [first] = client.wait_for_events(1)
    # More changes than a small backlog keeps, through the bridge's own publishing code.
    with override_settings(LIVE_UPDATES_BACKLOG=5):
        for n in range(300):
            streams.publish([streams.Change(person.user_id, f"filler-{n}", "task.updated", "{}")])

    stale = server.stream(person.user_id, token=_token(person), last_event_id=first.id)
    [resync] = stale.wait_for_events(1, kind="resync")
    assert resync.json["type"] == "resync"
    assert resync.id is not None
    assert first.id is not None
    assert (streams.parse_id(resync.id) or (0, 0)) > (streams.parse_id(first.id) or (0, 0))
    assert stale.changes() == []  # not the part of the backlog that is left: the client reloads instead

    for nonsense in ("not-an-id", "99999999999999-0"):
        odd = server.stream(person.user_id, token=_token(person), last_event_id=nonsense)
        assert odd.wait_for_events(1, kind="resync")[0].type == "resync"


def test_authentication(server, person):
    other = _person()
    bad = server.stream(person.user_id, token=_token(person) + "x")
    assert bad.status == 401
    assert bad.headers["www-authenticate"] == 'Bearer realm="api"'
    assert b'"authentication_failed"' in bad.body
    assert server.stream(person.user_id).status == 401
    assert server.stream(person.user_id, token=make_token(person.user_id, algorithm="HS512")).status == 401
    forbidden = server.stream(other.user_id, token=_token(person))
    assert forbidden.status == 403

    ticket = person.post("events/tickets", {}).json()["ticket"]
    events_url = f"http://127.0.0.1:{server.port}/api/{person.user_id}/events"
    with requests.get(events_url, params={"ticket": ticket}, stream=True, timeout=10) as first:
        assert first.status_code == 200
        assert next(first.iter_lines()) == b"retry: 1000"
    again = requests.get(events_url, params={"ticket": ticket}, timeout=10)
    assert again.status_code == 401
    assert again.json()["error"]["message"] == "The ticket is unknown, expired or already used."

    # A ticket is the user's own: not another user's way in.
    ticket = person.post("events/tickets", {}).json()["ticket"]
    other_url = f"http://127.0.0.1:{server.port}/api/{other.user_id}/events"
    assert requests.get(other_url, params={"ticket": ticket}, timeout=10).status_code == 403
    assert Api(person.user_id, _token(other)).post("events/tickets", {}).status_code == 403


def test_an_idle_stream_gets_a_heartbeat_comment(server, person):
    client = server.stream(person.user_id, token=_token(person))
    wait_for(
        lambda: "heartbeat" in client.comments,
        timeout=HEARTBEAT_SECONDS + 5,
        message="a heartbeat comment on an idle stream",
    )
    assert client.received() == []


def test_sigterm_ends_the_streams_cleanly_and_stops_the_server(pipeline, person):
    live = LiveServer("live-updates-sigterm").start()
    clients = [live.stream(person.user_id, token=_token(person)) for _ in range(3)]
    started = time.monotonic()
    os.kill(live.process.pid, signal.SIGTERM)
    for client in clients:
        assert client.ended.wait(5), "the stream was not ended"
        assert client.clean_end is True  # the last chunk came: an orderly end, not a cut connection
    live.process.process.wait(10)  # type: ignore[union-attr]
    assert time.monotonic() - started < 5
    assert "ending 3 open stream(s) before stopping" in live.process.log()


def test_clients_resume_after_the_server_is_killed_and_started_again(server, pipeline, person):
    live = LiveServer("live-updates-restarted").start()
    client = live.stream(person.user_id, token=_token(person))
    person.post("tasks", {"title": "before"})
    [before] = client.wait_for_events(1)

    live.kill()
    assert client.ended.wait(5)
    watcher = server.stream(person.user_id, token=_token(person))  # another server, still up
    missed = [person.post("tasks", {"title": f"while down {n}"}).json()["id"] for n in range(3)]
    watcher.wait_for_events(3)  # published meanwhile
    live.start()
    resumed = live.stream(person.user_id, token=_token(person), last_event_id=before.id)
    assert [event.json["task_id"] for event in resumed.wait_for_events(3)] == missed
    live.stop()


@pytest.mark.stops_services
def test_a_redis_restart_resyncs_open_streams_which_then_carry_on(server, person, stack: Stack):
    """Redis runs without persistence here, as under `make run`: its restart loses the backlog, so each
    open stream is told to resync once, and then carries the changes made after the restart."""
    client = server.stream(person.user_id, token=_token(person))
    person.post("tasks", {"title": "before the restart"})
    client.wait_for_events(1)

    stack.run("redis", "down")
    during = person.post("tasks", {"title": "while Redis is down"}).json()["id"]
    stack.run("redis", "up")

    client.wait_for_events(1, timeout=60, kind="resync")
    after = person.post("tasks", {"title": "after the restart"}).json()["id"]
    wait_for(
        lambda: [event.json["task_id"] for event in client.changes()][1:] == [during, after],
        timeout=60,
        message="the changes made during and after the restart on the same stream",
    )
    assert not client.ended.is_set()
