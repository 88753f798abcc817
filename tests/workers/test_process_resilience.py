"""The long-running processes outlive PostgreSQL, Redis and Kafka really stopped, and work flows after.

The relay, the recurrence bridge, the recurrence/maintenance worker, the deliveries worker and beat run as
real subprocesses with their Procfile commands (so the production timeouts and intervals), against the test
database, Redis database and topics. The stack's own scripts stop a service and start it again; then no
process may have exited, and a recurring task completed through the API must travel the whole way: outbox,
relay, Kafka, bridge, Celery, worker.

These tests stop the machine's shared PostgreSQL, Redis and Kafka (marked `stops_services`): never run them
next to `make run`, a benchmark or another run of the suite, which would lose those services too.
`make test-fast` leaves them out.
"""

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from tasks_app.models import Task
from tests.support.processes import ManagedProcess, process_env, wait_for_log
from tests.support.procfile import procfile_command
from tests.support.reminders import enqueued_task
from tests.support.smtp import SmtpSink
from tests.support.stack import Stack
from tests.support.waiting import wait_for
from workers.events.models import OutboxEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

PROCESSES = ("relay", "bridge-recurrence", "worker", "worker-deliveries", "beat")
KAFKA_OUTAGE = 60.0  # seconds: longer than the bridges' session timeout (the broker's default 45 s)
OUTAGE = 15.0  # seconds Redis or PostgreSQL stays stopped
# Seconds after a service came back before checking that no process exited: the processes meet the new
# server (and would exit on meeting it) within this time. "Nothing exits" has no event to wait for.
SETTLE = 5.0
RECURRING = {
    "title": "Stretch",
    "due_date": "2031-05-05T07:00:00Z",
    "recurring_pattern": "FREQ=DAILY",
}


class System:
    def __init__(self, smtp: SmtpSink) -> None:
        env = process_env(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port))
        self.processes = {
            name: ManagedProcess(f"resilience-{name}", command=procfile_command(name), env=env)
            for name in PROCESSES
        }

    def start(self) -> None:
        for process in self.processes.values():
            process.start()
        wait_for_log(self.processes["relay"], "outbox relay is active")
        wait_for_log(self.processes["bridge-recurrence"], "assigned", timeout=60)
        wait_for_log(self.processes["worker"], "ready.", timeout=60)
        wait_for_log(self.processes["worker-deliveries"], "ready.", timeout=60)
        # Celery leaves its lines about the sweeps out of the log (todo_project/celery.py): its start line.
        wait_for_log(self.processes["beat"], "beat: Starting...", timeout=60)

    def exited(self) -> dict[str, int | None]:
        return {
            name: process.process.returncode if process.process else None
            for name, process in self.processes.items()
            if not process.running
        }

    def stop(self) -> dict[str, int | None]:
        return {name: process.stop(timeout=40) for name, process in self.processes.items()}


@pytest.fixture
def system(django_db_setup, smtp) -> Iterator[System]:
    running = System(smtp)
    try:
        running.start()
        yield running
    finally:
        codes = running.stop()
    # SIGTERM still stops each of them cleanly after the outage (no SIGKILL needed).
    unclean = {name: code for name, code in codes.items() if code not in (0, -15)}
    assert not unclean, f"exit codes {unclean}; see {[str(running.processes[n].log_path) for n in unclean]}"


def outage(stack: Stack, service: str, seconds: float) -> None:
    """`scripts/<service>.sh down`, the outage, `up` again (which waits until the service answers)."""
    stack.run(service, "down")
    try:
        time.sleep(seconds)  # the outage itself
    finally:
        stack.run(service, "up")


def complete_recurring_task(api) -> str:
    """Create and complete a recurring task through the API; returns the `task.completed` event id."""
    task_id = api.post("tasks", RECURRING).json()["id"]
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200
    return OutboxEvent.objects.get(event_type="task.completed", payload__task_id=task_id).event_id


def handled(system: System, event_id: str, *, after: str | None = None) -> bool:
    """Whether the worker's log says a bridge batch holding the event succeeded: one that begins with it, or
    (`after`: the event just before it on the topic, handed over again when its offset was not committed
    yet) one that begins with that event and holds more."""
    first = rf"{re.escape(event_id)}\+\d+"
    if after is not None:
        first += rf"|{re.escape(after)}\+[1-9]\d*"
    return re.search(rf"\[recurrence:(?:{first})\] succeeded", system.processes["worker"].log()) is not None


def assert_work_flows(system: System, api, *, timeout: float) -> str:
    """A completion goes outbox -> relay -> Kafka -> bridge -> Celery -> worker, and the next task exists.
    Returns its event id."""
    event_id = complete_recurring_task(api)
    wait_for(
        lambda: handled(system, event_id),
        timeout=timeout,
        interval=0.5,
        message=f"the bridge's task for {event_id} handled by the worker",
    )
    task_id = OutboxEvent.objects.get(event_id=event_id).payload["task_id"]
    assert Task.objects.filter(parent_task_id=task_id).count() == 1
    return event_id


def hold_unacknowledged_deliveries(system: System, count: int = 5) -> None:
    """ETA tasks the deliveries worker holds unacknowledged, as it does for reminders within the horizon."""
    from todo_project.celery import app

    at = datetime.now(tz=UTC) + timedelta(hours=1)
    for n in range(count):
        app.send_task(
            "notifications.deliver_due_reminders",
            args=[at.isoformat()],
            queue="reminder-deliveries",
            eta=at + timedelta(seconds=n),
        )
    worker = system.processes["worker-deliveries"]
    wait_for(
        lambda: worker.log().count("notifications.deliver_due_reminders[") >= count,
        timeout=20,
        message="the ETA tasks received",
    )


@pytest.mark.timeout(480)  # a minute without the broker, its restart, and the groups re-forming
def test_kafka_stopped_for_a_minute(system, api, stack):
    before = assert_work_flows(system, api, timeout=60)
    stack.run("kafka", "down")
    try:
        # The API keeps writing; the relay keeps asking the broker for metadata and failing.
        event_id = complete_recurring_task(api)
        time.sleep(KAFKA_OUTAGE)  # the outage itself
        assert system.exited() == {}
    finally:
        stack.run("kafka", "up")

    # The event written during the outage goes out and is handed over once the group has re-formed
    # (the bridges' session timeout is the broker's default 45 s).
    wait_for(
        lambda: handled(system, event_id, after=before),
        timeout=120,
        interval=1,
        message="the completion written during the outage handled",
    )
    assert_work_flows(system, api, timeout=60)
    assert system.exited() == {}
    assert "broker error" in system.processes["relay"].log()


def test_redis_restarted_without_persistence(system, api, stack):
    hold_unacknowledged_deliveries(system)
    outage(stack, "redis", OUTAGE)
    time.sleep(SETTLE)  # "no process exits" has no event to wait for: the workers meet the new server
    assert system.exited() == {}

    assert_work_flows(system, api, timeout=60)
    # The deliveries worker consumes again (it lost its broker while holding unacknowledged ETA tasks).
    from todo_project.celery import app

    result = app.send_task(
        "notifications.deliver_due_reminders",
        args=[datetime.now(tz=UTC).isoformat()],
        kwargs={"wait": False},
        queue="reminder-deliveries",
    )
    wait_for_log(system.processes["worker-deliveries"], f"[{result.id}] succeeded", timeout=60)
    assert "Unrecoverable error" not in system.processes["worker-deliveries"].log()
    assert system.exited() == {}


@pytest.mark.timeout(300)
def test_a_task_finishing_while_redis_is_down_leaves_its_worker_running(system, smtp, user, stack):
    """The task's acknowledgement goes out once the worker has reconnected, on the channel of the lost
    connection. Kombu's Redis transport failed it with an AttributeError rather than a connection error, and
    the worker exited ("Unrecoverable error"), leaving reminders undelivered until it was started again."""
    from todo_project.celery import app

    enqueued_task(datetime.now(tz=UTC), user=user)
    smtp.delay = 8.0  # seconds: the email is still being sent when Redis goes
    try:
        app.send_task(
            "notifications.deliver_due_reminders",
            args=[datetime.now(tz=UTC).isoformat()],
            kwargs={"wait": False},
            queue="reminder-deliveries",
        )
        wait_for(lambda: smtp.data_started > 0, timeout=30, message="the email being sent")
        stack.run("redis", "down")
        try:
            wait_for(lambda: smtp.to(user.email), timeout=20, message="the email sent while Redis is down")
            worker = system.processes["worker-deliveries"]
            wait_for(lambda: "succeeded" in worker.log(), timeout=20, message="the task done")
        finally:
            stack.run("redis", "up")
    finally:
        smtp.delay = 0.0
    time.sleep(SETTLE)  # "no process exits" has no event to wait for: the worker reconnects and acknowledges
    assert "Unrecoverable error" not in system.processes["worker-deliveries"].log()
    assert system.exited() == {}


def test_postgres_stopped(system, api, stack):
    outage(stack, "postgres", OUTAGE)
    connections.close_all()  # the test's own connection went with the server
    time.sleep(SETTLE)  # "no process exits" has no event to wait for: the processes meet the new server
    assert system.exited() == {}

    assert_work_flows(system, api, timeout=60)
    assert system.exited() == {}
    assert "database unavailable" in system.processes["relay"].log()
