"""One trace from an API request to the email it causes, read back from a real Zipkin.

Every Procfile process but the UI and Flower runs with tracing on (`OTEL_TRACES_EXPORTER=zipkin_json`,
every trace kept) against Zipkin from scripts/zipkin.sh. Through the API, a task gets a reminder due in a
few seconds and a recurring task is completed; then Zipkin's HTTP API must hold, in one trace each:
request -> relay's publish -> bridge's consume -> the event's handling in a batch task -> Celery task(s) ->
SMTP send, every span the child of the one before; and the completing request -> ... -> the recurrence
worker -> the next occurrence's event.
"""

import subprocess
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tasks_app.models import Task
from tests.support.factories import UserProfileFactory, make_token
from tests.support.paths import ROOT
from tests.support.system import System, running_system
from tests.support.waiting import wait_for
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES, physical_topic

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

ZIPKIN = "http://127.0.0.1:9411"

Span = dict[str, Any]


@pytest.fixture(scope="module")
def zipkin() -> str:
    subprocess.run(["bash", str(ROOT / "scripts" / "zipkin.sh"), "up"], check=True, timeout=600)
    return ZIPKIN


@pytest.fixture
def system(smtp, zipkin, django_db_setup) -> Iterator[System]:
    tracing = {
        "OTEL_TRACES_EXPORTER": "zipkin_json",
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"{zipkin}/api/v2/spans",
        "OTEL_TRACES_SAMPLER_ARG": "1.0",
    }
    with running_system(smtp, prefix="tracing", env=tracing) as running:
        yield running


def _traces(service: str, span_name: str) -> list[list[Span]]:
    query = urllib.parse.urlencode(
        {"serviceName": service, "spanName": span_name, "limit": 1000, "lookback": 15 * 60 * 1000}
    )
    response = requests.get(f"{ZIPKIN}/api/v2/traces?{query}", timeout=10)
    response.raise_for_status()
    traces: list[list[Span]] = response.json()
    return traces


def _trace_with(service: str, span_name: str, tag: str, value_prefix: str) -> list[Span] | None:
    for trace in _traces(service, span_name):
        for span in trace:
            if span["localEndpoint"]["serviceName"] == service and span.get("tags", {}).get(
                tag, ""
            ).startswith(value_prefix):
                return trace
    return None


def _chain(trace: list[Span], leaf: Span) -> list[Span]:
    """The leaf and its ancestors, root first; fails on a parent missing from the trace."""
    by_id = {span["id"]: span for span in trace}
    chain = [leaf]
    while "parentId" in chain[-1]:
        parent = by_id.get(chain[-1]["parentId"])
        assert parent is not None, f"span {chain[-1]['name']!r} has a parent outside the trace"
        chain.append(parent)
    return chain[::-1]


def _describe(chain: list[Span]) -> list[tuple[str, str, str]]:
    return [(span["localEndpoint"]["serviceName"], span.get("kind", ""), span["name"]) for span in chain]


def test_one_trace_from_the_request_to_the_email_and_to_the_next_occurrence(system, smtp):
    user = UserProfileFactory()
    token = make_token(user.id, email=user.email, name=user.name, expires_in=timedelta(hours=1))
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    base = system.url(f"/api/{user.id}/tasks")

    instant = (datetime.now(tz=UTC) + timedelta(seconds=6)).replace(microsecond=0)
    reminded = api.post(base, json={"title": "Call the bank", "reminder_at": instant.isoformat()}, timeout=10)
    assert reminded.status_code == 201
    reminded_id = reminded.json()["id"]
    recurring = api.post(
        base, json={"title": "Water", "due_date": "2031-05-05T07:00:00Z", "recurring_pattern": "FREQ=DAILY"}
    ).json()
    assert api.patch(f"{base}/{recurring['id']}/complete", json={"completed": True}, timeout=10).ok

    wait_for(lambda: smtp.to(user.email), timeout=60, message="the reminder email")
    wait_for(
        lambda: Task.objects.filter(parent_task_id=recurring["id"]).exists(),
        timeout=60,
        message="the next occurrence",
    )
    following = Task.objects.get(parent_task_id=recurring["id"])

    # The reminder: one trace from the request to the SMTP send (spans reach Zipkin in batches).
    def email_trace() -> list[Span] | None:
        return _trace_with("todo-worker-deliveries", "smtp send", "todo.task_id", str(reminded_id))

    wait_for(lambda: email_trace() is not None, timeout=60, interval=1, message="the SMTP span in Zipkin")
    trace = email_trace()
    assert trace is not None
    [smtp_span] = [span for span in trace if span["name"] == "smtp send"]
    chain = _describe(_chain(trace, smtp_span))
    assert chain[0][:2] == ("todo-api", "SERVER")
    assert chain[0][2].startswith("post ")
    assert chain[0][2].endswith("/tasks")
    reminders = physical_topic(REMINDERS)
    assert chain[1:] == [
        ("todo-relay", "PRODUCER", f"{reminders} publish"),
        ("todo-bridge-reminders", "CONSUMER", f"{reminders} process"),
        # handed over in a batch message, whose handling of this event continues the record's span
        ("todo-worker-reminders", "CONSUMER", "run/notifications.handle_reminder_event"),
        ("todo-worker-reminders", "PRODUCER", "apply_async/notifications.deliver_due_reminders"),
        ("todo-worker-deliveries", "CONSUMER", "run/notifications.deliver_due_reminders"),
        ("todo-worker-deliveries", "CLIENT", "smtp send"),
    ], chain
    # The request's own database work is in the trace too.
    assert any(
        span["localEndpoint"]["serviceName"] == "todo-api" and span.get("kind") == "CLIENT" for span in trace
    )

    # The completion: the recurrence worker's work, and the next occurrence's event, in its request's trace.
    events, updates = physical_topic(TASK_EVENTS), physical_topic(TASK_UPDATES)

    def occurrence_trace() -> list[Span] | None:
        return _trace_with(
            "todo-relay", f"{updates} publish", "messaging.message.id", f"task.created-{following.pk}-"
        )

    wait_for(lambda: occurrence_trace() is not None, timeout=60, interval=1, message="the occurrence's event")
    trace = occurrence_trace()
    assert trace is not None
    [published] = [
        span
        for span in trace
        if span["name"] == f"{updates} publish"
        and span["tags"]["messaging.message.id"].startswith(f"task.created-{following.pk}-")
    ]
    chain = _describe(_chain(trace, published))
    assert chain[0][:2] == ("todo-api", "SERVER")
    assert chain[0][2].endswith("/complete")
    assert chain[1:] == [
        ("todo-relay", "PRODUCER", f"{events} publish"),
        ("todo-bridge-recurrence", "CONSUMER", f"{events} process"),
        ("todo-worker", "CONSUMER", "run/recurrence.handle_task_completed"),
        ("todo-relay", "PRODUCER", f"{updates} publish"),
    ], chain
