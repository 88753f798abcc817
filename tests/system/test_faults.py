"""The whole system under faults, with the timeouts and intervals `make run` uses.

Every Procfile process runs as a real subprocess against the test database, Redis database and Kafka
topics. Recurring tasks are completed and reminders fall due through the real API while, one at a time,
every kind of process is `kill -9`ed (and started again a second later, as the supervisor does), Redis is
restarted without persistence and Kafka is stopped for 60 s. Then every effect is checked: exactly one
next occurrence per completion, within 10 s of the completion's commit, and exactly one email per
reminder, at most 5 s late; no process exited but those killed; and a browser's live-update stream,
reconnecting as the UI does, got every change once and in order between two `resync`s, and a `resync`
after any change it missed. The figures are printed (`pytest -s` shows them) and written to
.cache/logs/tests/faults-report.txt.

It stops the machine's shared Redis and Kafka (scripts/redis.sh, scripts/kafka.sh; marked `stops_services`):
never run it next to `make run`, a benchmark or another run of the suite, which would lose their broker too.
`make test-fast` leaves it out.
"""

import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tasks_app.models import Task
from tests.support.factories import UserProfileFactory, make_token
from tests.support.live import Follower
from tests.support.outbox import outbox_envelopes
from tests.support.paths import LOGS
from tests.support.stack import Stack
from tests.support.system import System, running_system
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

OCCURRENCE_BOUND = timedelta(seconds=10)  # the goals
LATENESS_BOUND = timedelta(seconds=5)
KAFKA_OUTAGE = 60.0  # seconds Kafka stays stopped
REDIS_DOWN = 1.0  # seconds between stopping Redis and starting it again (empty: no persistence)
WARM_UP = 8.0  # seconds of load before the first fault
# Seconds of load after each fault before the next: each fault alone, once the system has recovered.
AFTER_KILL, AFTER_REDIS, AFTER_KAFKA = 8.0, 10.0, 15.0
# Once every effect is there: a duplicate (a second email, a second occurrence) would have come by then.
DUPLICATES_WINDOW = 3.0
WEEKLY = "FREQ=WEEKLY;BYDAY=MO,TH"


class Client:
    """One user of the API over HTTP, counting what did not succeed."""

    def __init__(self, system: System, user_id: str, token: str) -> None:
        self.system = system
        self.user_id = user_id
        self.token = token
        self.failures: Counter[str] = Counter()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        request = urllib.request.Request(  # noqa: S310 - our own API, over http
            self.system.url(f"/api/{self.user_id}/{path}"),
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own API
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            self.failures[f"{method} {error.code}"] += 1
        except OSError as error:
            self.failures[f"{method} {type(error).__name__}"] += 1
        return None


@dataclass
class Load:
    """Completions of recurring tasks and reminders, created at a steady pace until stopped."""

    client: Client
    completions: dict[int, datetime] = field(default_factory=dict)  # task id -> completed_at (commit)
    reminders: dict[int, datetime] = field(default_factory=dict)  # task id -> reminder instant
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        rng = random.Random(7)
        n = 0
        while not self.stop.is_set():
            n += 1
            created = self.client.call(
                "POST",
                "tasks",
                {"title": f"series {n}", "due_date": "2031-05-05T07:00:00Z", "recurring_pattern": WEEKLY},
            )
            if created is not None:
                done = self.client.call("PATCH", f"tasks/{created['id']}/complete", {"completed": True})
                if done is not None:
                    self.completions[created["id"]] = datetime.fromisoformat(done["completed_at"])
            instant = datetime.now(tz=UTC) + timedelta(seconds=rng.uniform(6, 20))
            instant = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
            reminded = self.client.call(
                "POST", "tasks", {"title": f"reminder {n}", "reminder_at": instant.isoformat()}
            )
            if reminded is not None:
                self.reminders[reminded["id"]] = instant
            self.stop.wait(0.7)


@pytest.fixture
def system(smtp, django_db_setup) -> Iterator[System]:
    with running_system(smtp, prefix="faults") as running:
        yield running


def _percentile(values: dict[datetime, float], share: float) -> float:
    ordered = sorted(values.values())
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _slowest(values: dict[datetime, float], count: int = 5) -> str:
    worst = sorted(values.items(), key=lambda item: item[1], reverse=True)[:count]
    return ", ".join(f"{seconds:.2f} s at {at:%H:%M:%S}" for at, seconds in worst)


def test_kill_9_redis_restart_and_kafka_stop_lose_nothing_and_duplicate_nothing(system, smtp, stack: Stack):
    user = UserProfileFactory()
    client = Client(
        system, user.id, make_token(user.id, email=user.email, name=user.name, expires_in=timedelta(hours=1))
    )
    load = Load(client)
    loader = threading.Thread(target=load.run, daemon=True)
    follower = Follower(system.live_port, user.id, client.token).start()
    wait_for(lambda: follower.connections > 0, timeout=10, message="the live-update stream open")
    faults: list[str] = []

    def fault(description: str, action: Callable[[], None], then_wait: float) -> None:
        faults.append(f"{datetime.now(tz=UTC):%H:%M:%S} {description}")
        action()
        time.sleep(then_wait)  # the load goes on meanwhile: the system recovers under it

    loader.start()
    try:
        time.sleep(WARM_UP)
        # One process at a time, each kind once; the ones holding events or ETA tasks twice.
        for name in (
            *("worker", "worker-deliveries", "worker-reminders", "relay", "bridge-recurrence"),
            *("bridge-reminders", "beat", "worker", "worker-deliveries", "bridge-task-updates", "live"),
        ):
            # Each fault alone: the next one comes once the system has recovered from this one.
            fault(f"kill -9 {name}", partial(system.kill, name), then_wait=AFTER_KILL)
        fault(
            "Redis restarted without persistence", partial(_restart, stack, "redis", REDIS_DOWN), AFTER_REDIS
        )
        fault(
            f"Kafka stopped for {KAFKA_OUTAGE:.0f} s",
            partial(_restart, stack, "kafka", KAFKA_OUTAGE),
            AFTER_KAFKA,
        )
    finally:
        load.stop.set()
        loader.join(30)

    last_instant = max(load.reminders.values())
    wait_for(
        lambda: (
            datetime.now(tz=UTC) > last_instant + LATENESS_BOUND * 2
            and all(Task.objects.filter(parent_task_id=task_id).exists() for task_id in load.completions)
        ),
        timeout=120,
        interval=1,
        message="every effect of the load",
    )
    changes = [
        e
        for e in outbox_envelopes(user.id)
        if e["event_type"] in ("task.created", "task.updated", "task.deleted")
    ]
    wait_for(
        lambda: changes[-1]["event_id"] in {event.json.get("event_id") for _, event in follower.received},
        timeout=60,
        message="the last change on the live-update stream",
    )
    time.sleep(DUPLICATES_WINDOW)  # "nothing more comes" has no event to wait for: duplicates get this long
    follower.close()
    live = _live_update_outcome(changes, follower)

    delays: dict[datetime, float] = {}  # completion -> seconds until its next occurrence existed
    lost_occurrences, duplicate_occurrences = [], []
    for task_id, completed_at in load.completions.items():
        following = list(Task.objects.filter(parent_task_id=task_id).values_list("created_at", flat=True))
        if not following:
            lost_occurrences.append(task_id)
        elif len(following) > 1:
            duplicate_occurrences.append(task_id)
        else:
            delays[completed_at] = (following[0] - completed_at).total_seconds()
    emails = Counter(int(r.message_id.split("-")[1]) for r in smtp.to(user.email))
    lateness = {  # instant -> seconds late
        load.reminders[r_id]: r.at - load.reminders[r_id].timestamp()
        for r in smtp.to(user.email)
        if (r_id := int(r.message_id.split("-")[1])) in load.reminders
    }
    lost_emails = [task_id for task_id in load.reminders if emails[task_id] == 0]
    duplicate_emails = [task_id for task_id, count in emails.items() if count > 1]

    report = "\n".join(
        [
            f"faults injected ({len(faults)}):",
            *(f"  {line}" for line in faults),
            f"process exits not injected (restarted by the watchdog): {system.unexpected_exits or 'none'}",
            f"API calls that failed: {dict(client.failures) or 'none'}",
            f"completions {len(load.completions)}: lost {len(lost_occurrences)},"
            f" duplicated {len(duplicate_occurrences)}; delay to the next occurrence"
            f" p50 {statistics.median(delays.values()):.2f} s, p99 {_percentile(delays, 0.99):.2f} s,"
            f" max {max(delays.values()):.2f} s; slowest: {_slowest(delays)}",
            f"reminders {len(load.reminders)}: lost {len(lost_emails)}, duplicated {len(duplicate_emails)};"
            f" lateness p50 {statistics.median(lateness.values()):.2f} s,"
            f" p99 {_percentile(lateness, 0.99):.2f} s, max {max(lateness.values()):.2f} s;"
            f" latest: {_slowest(lateness)}",
            f"live updates: {len(changes)} changes; received {live.received}, missed {len(live.missed)}"
            f" (all before a resync: {not live.uncovered}), duplicated {len(live.duplicated)},"
            f" out of order {len(live.out_of_order)}; {live.resyncs} resync(s), {follower.connections}"
            f" connection(s), refused {follower.refused or 'none'}",
            "",
        ]
    )
    (LOGS / "faults-report.txt").write_text(report)
    print(f"\n{report}")  # noqa: T201 - the figures this test exists to report (pytest -s shows them)
    assert system.unexpected_exits == []  # every exit was one injected; a crash loop is a defect
    assert (lost_occurrences, duplicate_occurrences) == ([], [])
    assert (lost_emails, duplicate_emails) == ([], [])
    assert min(lateness.values()) >= 0  # never early
    assert max(delays.values()) <= OCCURRENCE_BOUND.total_seconds()
    assert max(lateness.values()) <= LATENESS_BOUND.total_seconds()
    assert client.failures == Counter()  # the API answered through every fault
    assert (live.uncovered, live.duplicated, live.out_of_order) == ([], [], [])


@dataclass
class LiveOutcome:
    received: int
    resyncs: int
    missed: list[str]  # event ids never received
    uncovered: list[str]  # missed, and no resync came after the change to make the client reload
    duplicated: list[str]  # received twice between two resyncs
    out_of_order: list[int]  # tasks whose changes arrived in another order than they were made


def _live_update_outcome(changes: list[dict[str, Any]], follower: Follower) -> LiveOutcome:
    """What a client following the stream saw of the user's changes. A `resync` starts a new epoch (the
    client reloads): Redis restarted without persistence forgets which events it already had, so one the
    bridge hands over again may come once more after it. Within an epoch: each change once, and a task's
    changes in the order they were made (outbox order)."""
    epochs: list[list[str]] = [[]]
    resynced_at: list[float] = []
    for at, event in follower.received:
        if event.type == "resync":
            resynced_at.append(at)
            epochs.append([])
        elif event.type.startswith("task."):
            epochs[-1].append(event.json["event_id"])
    got = {event_id for epoch in epochs for event_id in epoch}
    missed = [change for change in changes if change["event_id"] not in got]
    order = {change["event_id"]: index for index, change in enumerate(changes)}
    task_of = {change["event_id"]: change["task_id"] for change in changes}
    duplicated: list[str] = []
    out_of_order: set[int] = set()
    for epoch in epochs:
        duplicated += [event_id for event_id, count in Counter(epoch).items() if count > 1]
        by_task: dict[int, list[int]] = {}
        for event_id in dict.fromkeys(epoch):
            by_task.setdefault(task_of[event_id], []).append(order[event_id])
        out_of_order |= {task_id for task_id, indices in by_task.items() if indices != sorted(indices)}
    return LiveOutcome(
        received=sum(len(epoch) for epoch in epochs),
        resyncs=len(resynced_at),
        missed=[change["event_id"] for change in missed],
        uncovered=[
            change["event_id"]
            for change in missed
            if not any(at >= datetime.fromisoformat(change["timestamp"]).timestamp() for at in resynced_at)
        ],
        duplicated=duplicated,
        out_of_order=sorted(out_of_order),
    )


def _restart(stack: Stack, service: str, down_for: float) -> None:
    stack.run(service, "down")
    time.sleep(down_for)  # the outage itself
    stack.run(service, "up")
