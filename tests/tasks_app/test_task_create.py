"""POST /api/{user_id}/tasks: the row, the response, the outbox events, validation and Idempotency-Key."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from tasks_app.models import Task
from tests.support.outbox import outbox_envelopes, outbox_rows, outbox_types
from tests.support.times import hours_ahead, iso, iso_millis

pytestmark = pytest.mark.django_db

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_create_minimal_task(api, user):
    response = api.post("tasks", {"title": "Buy milk"})

    assert response.status_code == 201, response.json()
    body = response.json()
    task = Task.objects.get(pk=body["id"])
    assert task.user_id == user.id
    assert body["title"] == "Buy milk"
    assert body["user_id"] == user.id
    assert body["priority"] == "medium"
    assert body["tags"] == []
    assert body["completed"] is False
    assert body["timezone"] == "UTC"
    assert body["reminder_at"] is None
    assert ISO_UTC.match(body["created_at"])
    assert outbox_types(user.id) == ["task.created"]


def test_create_full_task_with_reminder_offset(api, user):
    due = hours_ahead(48)
    response = api.post(
        "tasks",
        {
            "title": "Quarterly report",
            "description": "Numbers for Q3",
            "priority": "high",
            "tags": ["work", "finance", "work"],
            "due_date": iso(due),
            "timezone": "Europe/Paris",
            "recurring_pattern": "FREQ=MONTHLY;BYMONTHDAY=-1",
            "recurring_end_date": "2027-12-31",
            "reminder_offset_hours": 1.5,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tags"] == ["work", "finance"]
    assert body["recurring_pattern"] == "FREQ=MONTHLY;BYMONTHDAY=-1"
    assert body["timezone"] == "Europe/Paris"
    # A date-only end is the end of that day in the task's time zone (23:59:59.999999 CET = 22:59 UTC).
    assert body["recurring_end_date"].startswith("2027-12-31T22:59:59.999999")
    task = Task.objects.get(pk=body["id"])
    assert task.reminder_at == due - timedelta(hours=1.5)
    assert task.due_date == due
    assert outbox_types(user.id) == ["task.created", "reminder.scheduled"]


def test_task_created_event_has_the_exact_envelope(api, user):
    body = api.post("tasks", {"title": "Envelope", "tags": ["a"]}).json()

    [row] = outbox_rows(user.id)
    envelope = row.payload
    millis = int(envelope["event_id"].rsplit("-", 1)[1])
    assert envelope["event_id"] == f"task.created-{body['id']}-{millis}"
    assert set(envelope) == {
        "event_id",
        "event_type",
        "event_version",
        "task_id",
        "user_id",
        "timestamp",
        "payload",
    }
    assert envelope["event_type"] == "task.created"
    assert envelope["event_version"] == "1.0"
    assert envelope["task_id"] == body["id"]
    assert envelope["user_id"] == user.id
    assert datetime.fromisoformat(envelope["timestamp"]) == datetime.fromtimestamp(millis / 1000, tz=UTC)
    assert envelope["timestamp"].endswith("Z")
    assert envelope["payload"]["task_id"] == body["id"]
    assert envelope["payload"]["task"]["title"] == "Envelope"
    assert envelope["payload"]["task"]["tags"] == ["a"]
    assert row.topic == "task-updates"
    assert row.key == user.id
    assert row.headers["event_id"] == envelope["event_id"]
    assert row.headers["event_type"] == "task.created"
    assert "traceparent" not in row.headers  # tracing is off: no trace to carry on
    assert row.published_at is None


def test_an_event_written_inside_a_trace_carries_its_context(api, user):
    """What the API's request span (tests/system/test_tracing.py) or a Celery task's gives the outbox."""
    context = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with trace.use_span(NonRecordingSpan(context)):
        api.post("tasks", {"title": "Traced"})

    [row] = outbox_rows(user.id)
    assert row.headers["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_reminder_scheduled_event_payload(api, user):
    due = hours_ahead(5)
    reminder = due - timedelta(hours=1)
    body = api.post("tasks", {"title": "Call", "due_date": iso(due), "reminder_at": iso(reminder)}).json()

    [row] = [row for row in outbox_rows(user.id) if row.event_type == "reminder.scheduled"]
    assert row.topic == "reminders"
    assert row.payload["payload"] == {
        "task_id": body["id"],
        "title": "Call",
        "due_date": iso_millis(due),
        "reminder_at": iso_millis(reminder),
        "pending": [iso_millis(reminder)],
    }


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("weekly", "WEEKLY"),
        ("RRULE:FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=DAILY;UNTIL=20301231T235959Z", "FREQ=DAILY;UNTIL=20301231T235959Z"),
        ("freq=weekly;interval=2;byday=mo,we;count=10", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10"),
    ],
)
def test_recurring_patterns_are_stored_in_normal_form(api, given, stored):
    response = api.post("tasks", {"title": "t", "recurring_pattern": given})
    assert response.status_code == 201, response.json()
    assert response.json()["recurring_pattern"] == stored


def test_task_timezone_defaults_to_the_users(api, user):
    user.timezone = "America/New_York"
    user.save()

    assert api.post("tasks", {"title": "Local"}).json()["timezone"] == "America/New_York"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": ""}, "title", "may not be blank"),
        ({"title": "   "}, "title", "may not be blank"),
        ({"title": "x" * 256}, "title", "no more than 255"),
        ({}, "title", "required"),
        ({"title": "t", "priority": "urgent"}, "priority", "not a valid choice"),
        ({"title": "t", "recurring_pattern": "FREQ=SOMETIMES"}, "recurring_pattern", "not a valid RRULE"),
        ({"title": "t", "recurring_pattern": "BYDAY=MO"}, "recurring_pattern", "needs FREQ"),
        ({"title": "t", "recurring_pattern": "FREQ=MINUTELY"}, "recurring_pattern", "not supported"),
        ({"title": "t", "recurring_pattern": "FORTNIGHTLY"}, "recurring_pattern", "NAME=VALUE"),
        ({"title": "t", "recurring_pattern": "FREQ=DAILY;UNTIL=SOON"}, "recurring_pattern", "UNTIL must"),
        (
            {"title": "t", "recurring_pattern": "FREQ=DAILY;COUNT=3;UNTIL=20300101"},
            "recurring_pattern",
            "cannot be combined",
        ),
        # Rules dateutil accepts but that never advance (INTERVAL=0 hung the worker), never fire, or fail
        # only when the next occurrence is computed.
        ({"title": "t", "recurring_pattern": "FREQ=DAILY;INTERVAL=0"}, "recurring_pattern", "1 to 1000"),
        ({"title": "t", "recurring_pattern": "FREQ=DAILY;INTERVAL=-2"}, "recurring_pattern", "1 to 1000"),
        ({"title": "t", "recurring_pattern": "FREQ=DAILY;COUNT=0"}, "recurring_pattern", "1 to 10000"),
        ({"title": "t", "recurring_pattern": "FREQ=MONTHLY;BYMONTHDAY=32"}, "recurring_pattern", "-31 to -1"),
        ({"title": "t", "recurring_pattern": "FREQ=YEARLY;BYMONTH=13"}, "recurring_pattern", "1 to 12"),
        (
            {"title": "t", "recurring_pattern": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
            "recurring_pattern",
            "never falls",
        ),
        ({"title": "t", "recurring_pattern": "FREQ=MONTHLY;BYDAY=6MO"}, "recurring_pattern", "no such"),
        ({"title": "t", "recurring_pattern": "FREQ=DAILY;FREQ=WEEKLY"}, "recurring_pattern", "given twice"),
        (
            {"title": "t", "recurring_pattern": "FREQ=DAILY;UNTIL=20260401T250000Z"},
            "recurring_pattern",
            "not a real date",
        ),
        ({"title": "t", "reminder_offset_hours": 2}, "reminder_offset_hours", "needs a due_date"),
        ({"title": "t", "due_date": "2030-01-01T09:00:00"}, "due_date", "time zone offset"),
        ({"title": "t", "due_date": "tomorrow"}, "due_date", "ISO 8601"),
        ({"title": "t", "reminder_at": "2020-01-01T09:00:00Z"}, "reminder_at", "already passed"),
        ({"title": "t", "timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"title": "t", "tags": ["x" * 51]}, "tags", "no more than 50"),
        ({"title": "t", "tags": "work"}, "tags", "list"),
        (
            {"title": "t", "recurring_end_date": "2030-01-01"},
            "recurring_end_date",
            "needs a recurring_pattern",
        ),
        (
            {
                "title": "t",
                "due_date": "2030-01-10T00:00:00Z",
                "reminder_at": "2030-01-09T00:00:00Z",
                "reminder_offset_hours": 1,
            },
            "reminder_offset_hours",
            "not both",
        ),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(api, user, body, field, message):
    response = api.post("tasks", body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"], error
    assert message in str(error["details"][field])
    assert Task.objects.count() == 0
    assert outbox_rows(user.id) == []


def test_malformed_json_is_a_400_in_the_error_shape(api):
    response = api.client.post(api.url("tasks"), data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_idempotency_key_replays_the_first_response(api, user):
    first = api.post("tasks", {"title": "Once"}, **{"Idempotency-Key": "k-1"})
    second = api.post("tasks", {"title": "Once"}, **{"Idempotency-Key": "k-1"})

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Task.objects.filter(user=user).count() == 1
    assert outbox_types(user.id) == ["task.created"]


def test_idempotency_key_with_a_different_body_is_rejected(api, user):
    api.post("tasks", {"title": "Once"}, **{"Idempotency-Key": "k-2"})
    response = api.post("tasks", {"title": "Twice"}, **{"Idempotency-Key": "k-2"})

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["details"]
    assert Task.objects.filter(user=user).count() == 1


def test_idempotency_keys_belong_to_their_user(api, user):
    from tests.support.api import Api
    from tests.support.factories import UserProfileFactory, make_token

    other = UserProfileFactory()
    other_api = Api(other.id, make_token(other.id))
    api.post("tasks", {"title": "Mine"}, **{"Idempotency-Key": "shared"})
    response = other_api.post("tasks", {"title": "Mine"}, **{"Idempotency-Key": "shared"})

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Task.objects.count() == 2


def test_a_rolled_back_create_leaves_no_row_and_no_event(user):
    from django.db import transaction

    from tasks_app import services
    from tasks_app.reminders import ReminderSpec

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.task_create(
            user=user, title="Doomed", reminders=[ReminderSpec(at=hours_ahead(1))], at=datetime.now(tz=UTC)
        )
        assert outbox_types(user.id) == ["task.created", "reminder.scheduled"]
        raise Abort
    assert Task.objects.count() == 0
    assert outbox_envelopes(user.id) == []
