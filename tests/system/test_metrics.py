"""Every process serves its metrics, and each metric of the platform moves when the work it counts is done.

Every Procfile process but Flower and the UI runs as a real subprocess with its Procfile command, its
metrics on a free port (tests/support/system.py). The test scrapes them all, then makes each counted thing
happen through the API and the system's own inputs: a recurring task completed (its next occurrence) and
its completion published again (a duplicate), a plain task completed (skipped by the recurrence bridge),
a create replayed by its Idempotency-Key, a reminder refused once by the SMTP server (retried, then sent),
one for a user without an email address (failed), a record on a topic that is not an event (a dead letter,
then the minute's report of those waiting), a change whose live-update stream Redis refuses (a partition
paused, with lag), outbox rows for a topic that does not exist (refused, given up, an old backlog), and an
open live-update stream. It scrapes again and checks that each metric moved in the process that does that
work; and that every metric the Grafana dashboard and the alert rules read is one that some process serves.
"""

import json
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery import current_app

from live_updates_app.streams import client as live_redis
from live_updates_app.streams import seen_key
from tests.support.factories import UserProfileFactory, make_token
from tests.support.live import SseClient
from tests.support.prometheus import (
    Sample,
    dashboard_expressions,
    metric_names,
    present,
    recorded_names,
    rule_expressions,
    scrape,
    value,
)
from tests.support.system import System, running_system
from tests.support.waiting import wait_for
from workers.events.models import OutboxEvent
from workers.kafka.clients import REMINDERS, make_producer, physical_topic

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

MISSING_TOPIC = "no-such-topic"  # outbox rows for it are refused by the relay
WEEKLY = "FREQ=WEEKLY;BYDAY=MO"

# What each process must have counted once the test made it happen: (process, sample, labels).
COUNTED = [
    ("web", "django_http_requests_total_by_method_total", {"method": "POST"}),
    ("web", "idempotency_key_replays_total", {}),
    ("relay", "outbox_relay_published_total", {"topic": "task-events"}),
    ("relay", "outbox_relay_published_total", {"topic": "reminders"}),
    ("relay", "outbox_relay_published_total", {"topic": "task-updates"}),
    ("relay", "outbox_relay_failed_total", {"topic": MISSING_TOPIC, "kind": "refused"}),
    ("relay", "outbox_relay_given_up_total", {"topic": MISSING_TOPIC}),
    ("bridge-recurrence", "bridge_records_total", {"consumer": "recurrence", "outcome": "handed_off"}),
    ("bridge-recurrence", "bridge_records_total", {"consumer": "recurrence", "outcome": "skipped"}),
    ("bridge-reminders", "bridge_records_total", {"consumer": "reminders", "outcome": "handed_off"}),
    ("bridge-reminders", "bridge_records_total", {"consumer": "reminders", "outcome": "dead_lettered"}),
    ("bridge-task-updates", "bridge_records_total", {"consumer": "task-updates", "outcome": "handed_off"}),
    ("bridge-task-updates", "bridge_records_total", {"consumer": "task-updates", "outcome": "paused"}),
    (
        "worker",
        "celery_tasks_total",
        {"task": "recurrence.handle_task_completed_batch", "outcome": "success"},
    ),
    ("worker", "celery_task_runtime_seconds_count", {"task": "recurrence.handle_task_completed_batch"}),
    ("worker", "recurrence_latency_seconds_count", {}),
    ("worker", "events_duplicates_absorbed_total", {"consumer": "recurrence"}),
    ("worker-reminders", "celery_tasks_total", {"task": "notifications.handle_reminder_events"}),
    ("worker-deliveries", "celery_tasks_total", {"task": "notifications.deliver_due_reminders"}),
    (
        "worker-deliveries",
        "celery_task_runtime_seconds_count",
        {"task": "notifications.deliver_due_reminders"},
    ),
    ("worker-deliveries", "reminder_lateness_milliseconds_count", {}),
    ("worker-deliveries", "reminder_deliveries_total", {"outcome": "sent"}),
    ("worker-deliveries", "reminder_deliveries_total", {"outcome": "retried"}),
    ("worker-deliveries", "reminder_deliveries_total", {"outcome": "failed"}),
    ("live", "live_updates_messages_total", {"kind": "change"}),
    ("beat", "process_cpu_seconds_total", {}),  # beat serves its process's own metrics
]


class Metrics:
    """Scrapes of every process's metrics ports (a gunicorn worker's each), and every name they served."""

    def __init__(self, system: System) -> None:
        self.ports = system.metrics_ports
        self.names: set[str] = set()

    def scrape(self, process: str) -> dict[Sample, float]:
        samples: dict[Sample, float] = {}
        for port in self.ports[process]:
            for (name, labels), sample in scrape(port).items():
                samples[(name, labels | {("port", str(port))})] = sample
                self.names.add(name)
        return samples

    def scrape_all(self) -> dict[str, dict[Sample, float]]:
        return {process: self.scrape(process) for process in self.ports}

    def value(self, process: str, name: str, **labels: str) -> float:
        return value(self.scrape(process), name, **labels)

    def wait(
        self, process: str, name: str, check: Any, what: str, timeout: float = 30, **labels: str
    ) -> None:
        wait_for(
            lambda: check(self.value(process, name, **labels)), timeout=timeout, interval=0.5, message=what
        )


class Client:
    """One user of the running system's API over HTTP."""

    def __init__(self, system: System, user_id: str, token: str) -> None:
        self.system, self.user_id, self.token = system, user_id, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        request = urllib.request.Request(  # noqa: S310 - our own API, over http
            self.system.url(f"/api/{self.user_id}/{path}"),
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **headers},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own API
            return json.loads(response.read())


def in_seconds(seconds: float) -> str:
    instant = datetime.now(tz=UTC) + timedelta(seconds=seconds)
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000).isoformat()


@pytest.fixture
def system(smtp, django_db_setup) -> Iterator[System]:
    with running_system(smtp, prefix="metrics") as running:
        yield running


def test_every_process_serves_its_metrics_and_each_moves_with_the_work_it_counts(system, smtp):
    metrics = Metrics(system)
    wait_for(
        lambda: all(_answers(port) for ports in system.metrics_ports.values() for port in ports),
        timeout=60,
        interval=0.5,
        message=f"every metrics port answering: {system.metrics_ports}",
    )
    before = metrics.scrape_all()
    user = UserProfileFactory()
    api = Client(system, user.id, make_token(user.id, email=user.email, name=user.name))
    mute = UserProfileFactory(email="")  # no address: its reminders fail
    muted = Client(system, mute.id, make_token(mute.id))
    stream = SseClient(system.live_port, f"/api/{user.id}/events", token=api.token)
    metrics.wait("live", "live_updates_connections", lambda n: n >= 1, "the stream counted open")

    # A recurring task completed: the next occurrence. A plain one: skipped by the recurrence bridge.
    series = api.call(
        "POST", "tasks", {"title": "Stretch", "due_date": in_seconds(3600), "recurring_pattern": WEEKLY}
    )
    api.call("PATCH", f"tasks/{series['id']}/complete", {"completed": True})
    plain = api.call("POST", "tasks", {"title": "Once"}, **{"Idempotency-Key": "once-1"})
    assert api.call("POST", "tasks", {"title": "Once"}, **{"Idempotency-Key": "once-1"}) == plain  # replayed
    api.call("PATCH", f"tasks/{plain['id']}/complete", {"completed": True})
    metrics.wait("worker", "recurrence_latency_seconds_count", lambda n: n >= 1, "the next occurrence")

    # The completion published again, as after a relay killed before it marked it: absorbed.
    OutboxEvent.objects.filter(event_type="task.completed", payload__task_id=series["id"]).update(
        published_at=None
    )
    metrics.wait(
        "worker", "events_duplicates_absorbed_total", lambda n: n >= 1, "the duplicate", consumer="recurrence"
    )

    # Reminders: the SMTP server refuses the first attempt (retried a second later, then sent); a user
    # without an email address gets none (failed).
    smtp.refuse = 1
    api.call("POST", "tasks", {"title": "Call back", "reminder_at": in_seconds(3)})
    muted.call("POST", "tasks", {"title": "Call back", "reminder_at": in_seconds(3)})
    metrics.wait("worker-deliveries", "reminder_deliveries_total", lambda n: n >= 1, "sent", outcome="sent")

    # Not an event at all: dead-lettered by the bridge, then reported waiting (beat asks every minute).
    producer = make_producer()
    producer.produce(physical_topic(REMINDERS), key=user.id, value=b"{not an event")
    assert producer.flush(10) == 0
    metrics.wait(
        "bridge-reminders", "bridge_records_total", lambda n: n >= 1, "dead-lettered", outcome="dead_lettered"
    )
    current_app.send_task("workers.report_dead_letters")
    metrics.wait(
        "worker",
        "dead_letters_waiting",
        lambda n: n == 1,
        "the report",
        topic=REMINDERS,
        consumer="bridge-reminders",
    )

    # Redis refuses the user's live-update stream (a key of the wrong type): the task-updates bridge pauses
    # the partition and falls behind on it; once the key is gone it catches up.
    live_redis().set(seen_key(user.id), "not a sorted set")
    api.call("PATCH", f"tasks/{plain['id']}", {"title": "Once more"})
    metrics.wait("bridge-task-updates", "bridge_records_total", lambda n: n >= 1, "paused", outcome="paused")
    metrics.wait("bridge-task-updates", "bridge_consumer_lag", lambda n: n >= 1, "lag while paused")
    live_redis().delete(seen_key(user.id))
    wait_for(
        lambda: any((event.json["task"] or {}).get("title") == "Once more" for event in stream.changes()),
        timeout=40,
        message="the change delivered after the pause",
    )
    metrics.wait("bridge-task-updates", "bridge_consumer_lag", lambda n: n == 0, "caught up", timeout=30)

    # Outbox rows for a topic that does not exist: one on its last attempt (given up), one that keeps
    # being refused (a backlog whose oldest row is a minute old).
    for attempts, age in ((9, 0), (0, 60)):
        OutboxEvent.objects.create(
            topic=MISSING_TOPIC,
            key=f"{user.id}-{attempts}",
            event_id=f"test.event-{uuid.uuid4().hex}",
            event_type="test.event",
            payload={},
            headers={},
            attempts=attempts,
            created_at=datetime.now(tz=UTC) - timedelta(seconds=age),
        )
    metrics.wait("relay", "outbox_relay_given_up_total", lambda n: n >= 1, "given up", topic=MISSING_TOPIC)
    metrics.wait("relay", "outbox_oldest_pending_age_seconds", lambda age: age > 30, "the backlog's age")
    assert metrics.value("relay", "outbox_backlog") >= 1

    stream.close()
    after = metrics.scrape_all()
    unmoved = [
        f"{process}: {name}{labels}"
        for process, name, labels in COUNTED
        if not value(after[process], name, **labels) > value(before[process], name, **labels)
    ]
    assert unmoved == []
    lag = metrics.scrape("bridge-recurrence")
    assert present(lag, "bridge_consumer_lag")
    assert value(lag, "bridge_consumer_lag") == 0  # nothing behind
    served = metrics.names | {"up"} | recorded_names()  # `up` is Prometheus's own
    read = [
        (expression, metric_names(expression)) for expression in dashboard_expressions() + rule_expressions()
    ]
    assert [(expression, names - served) for expression, names in read if names - served] == []


def _answers(port: int) -> bool:
    try:
        scrape(port)
    except OSError:
        return False
    return True
