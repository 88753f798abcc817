"""occurrence_create_next(): the next task of a series, once, from the `task.completed` event."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from recurrence_app.services import occurrence_create_next
from tasks_app.models import Task
from tests.support.outbox import outbox_envelopes
from workers.bridge.retry_policies import PermanentEventError
from workers.events.envelope import parse_envelope
from workers.events.models import ProcessedEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 12, 12, 0, tzinfo=UTC)


def complete(api, user, body):
    task_id = api.post("tasks", body).json()["id"]
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200
    return Task.objects.get(pk=task_id), parse_envelope(outbox_envelopes(user.id, "task.completed")[-1])


@pytest.fixture
def daily(api, user):
    """A daily 09:00 New York task due 2027-03-13 (the day before DST starts), completed."""
    return complete(
        api,
        user,
        {
            "title": "Standup",
            "description": "notes",
            "priority": "high",
            "tags": ["work"],
            "due_date": "2027-03-13T14:00:00Z",
            "timezone": "America/New_York",
            "recurring_pattern": "DAILY",
            "reminder_at": "2027-03-13T13:45:00Z",
        },
    )


def test_creates_the_next_occurrence_with_the_series_fields(daily, user):
    task, event = daily
    created = occurrence_create_next(envelope=event, now=NOW)

    assert created is not None
    # 09:00 New York on 2027-03-14 is already daylight time: 13:00 UTC.
    assert created.due_date == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert created.reminder_at == datetime(2027, 3, 14, 12, 45, tzinfo=UTC)  # same 15 minutes before
    assert (created.title, created.description, created.priority, created.tags) == (
        "Standup",
        "notes",
        "high",
        ["work"],
    )
    assert (created.timezone, created.recurring_pattern, created.completed) == (
        "America/New_York",
        "DAILY",
        False,
    )
    assert created.parent_task_id == task.id
    task.refresh_from_db()
    assert task.next_occurrence == created.due_date
    assert ProcessedEvent.objects.filter(consumer="recurrence", event_id=event.event_id).exists()
    created_events = [e for e in outbox_envelopes(user.id, "task.created") if e["task_id"] == created.id]
    assert len(created_events) == 1
    assert (
        len([e for e in outbox_envelopes(user.id, "reminder.scheduled") if e["task_id"] == created.id]) == 1
    )


def test_the_same_event_twice_creates_one_occurrence(daily):
    _, event = daily
    assert occurrence_create_next(envelope=event, now=NOW) is not None
    assert occurrence_create_next(envelope=event, now=NOW) is None
    assert Task.objects.filter(parent_task__isnull=False).count() == 1


def test_reopening_and_completing_again_keeps_one_occurrence(daily, api, user):
    task, first_event = daily
    first = occurrence_create_next(envelope=first_event, now=NOW)
    api.patch(f"tasks/{task.id}/complete", {"completed": False})
    api.patch(f"tasks/{task.id}/complete", {"completed": True})
    second_event = parse_envelope(outbox_envelopes(user.id, "task.completed")[-1])
    assert second_event.event_id != first_event.event_id

    assert occurrence_create_next(envelope=second_event, now=NOW) == first
    assert Task.objects.filter(parent_task=task).count() == 1


def test_occurrences_of_occurrences_point_at_the_series_root(daily, api, user):
    root, event = daily
    second = occurrence_create_next(envelope=event, now=NOW)
    assert second is not None
    api.patch(f"tasks/{second.id}/complete", {"completed": True})
    third = occurrence_create_next(
        envelope=parse_envelope(outbox_envelopes(user.id, "task.completed")[-1]), now=NOW
    )
    assert third is not None
    assert third.parent_task_id == root.id
    assert third.due_date == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)


def test_completing_late_never_yields_an_occurrence_in_the_past(daily):
    _, event = daily
    late = datetime(2027, 3, 16, 15, 0, tzinfo=UTC)  # three days late, after 09:00 local
    created = occurrence_create_next(envelope=event, now=late)
    assert created is not None
    assert created.due_date == datetime(2027, 3, 17, 13, 0, tzinfo=UTC)


def test_a_task_reopened_before_the_event_arrives_gets_no_occurrence(daily, api):
    task, event = daily
    api.patch(f"tasks/{task.id}/complete", {"completed": False})
    assert occurrence_create_next(envelope=event, now=NOW) is None
    assert not Task.objects.filter(parent_task=task).exists()


def test_a_deleted_task_gets_no_occurrence(daily, api):
    task, event = daily
    api.delete(f"tasks/{task.id}")
    assert occurrence_create_next(envelope=event, now=NOW) is None


def test_the_series_ends_at_its_end_date(api, user):
    task, event = complete(
        api,
        user,
        {
            "title": "Twice",
            "due_date": "2027-03-13T14:00:00Z",
            "recurring_pattern": "DAILY",
            "recurring_end_date": "2027-03-13T23:00:00Z",
        },
    )
    assert occurrence_create_next(envelope=event, now=NOW) is None
    task.refresh_from_db()
    assert task.next_occurrence is None


def test_without_a_due_date_the_completion_time_anchors_the_series(api, user):
    task, event = complete(api, user, {"title": "Water plants", "recurring_pattern": "FREQ=DAILY;INTERVAL=2"})
    created = occurrence_create_next(envelope=event, now=task.completed_at)
    assert created is not None
    assert created.due_date == task.completed_at.replace(microsecond=0) + timedelta(days=2)


def test_a_bad_pattern_in_stored_data_is_permanent(daily):
    task, event = daily
    Task.objects.filter(pk=task.id).update(recurring_pattern="FREQ=SOMETIMES")
    with pytest.raises(PermanentEventError), transaction.atomic():
        occurrence_create_next(envelope=event, now=NOW)
    assert not ProcessedEvent.objects.filter(event_id=event.event_id).exists()  # rolled back with it


def test_every_reminder_is_carried_to_the_next_occurrence(api, user):
    """Those before the due date stay as they were; one at an instant moves with the due date, keeping its
    distance from it."""
    _, event = complete(
        api,
        user,
        {
            "title": "Report",
            "due_date": "2027-03-13T14:00:00Z",
            "timezone": "America/New_York",
            "recurring_pattern": "DAILY",
            "reminders": [
                {"before_due": "PT15M"},
                {"at": "2027-03-13T10:00:00Z"},  # four hours before
                {"before_due": "P1D"},
            ],
        },
    )

    created = occurrence_create_next(envelope=event, now=NOW)

    assert created is not None
    due = datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert created.due_date == due
    shown = api.get(f"tasks/{created.id}").json()["reminders"]
    assert shown == [
        # 2027-03-13T13:00Z is after NOW (2027-03-12T12:00Z): still owed.
        {"at": "2027-03-13T13:00:00Z", "before_due": "P1D", "pending": True},
        {"at": "2027-03-14T09:00:00Z", "before_due": None, "pending": True},
        {"at": "2027-03-14T12:45:00Z", "before_due": "PT15M", "pending": True},
    ]
    assert created.reminder_at == datetime(2027, 3, 13, 13, 0, tzinfo=UTC)


def test_a_reminder_passed_before_its_occurrence_exists_is_done(api, user):
    """An occurrence made late (its series was completed late) owes no email for a moment gone by."""
    _, event = complete(
        api,
        user,
        {
            "title": "Report",
            "due_date": "2027-03-13T14:00:00Z",
            "recurring_pattern": "DAILY",
            "reminders": [{"before_due": "PT1H"}, {"before_due": "P2D"}],
        },
    )

    created = occurrence_create_next(envelope=event, now=NOW)

    assert created is not None
    shown = api.get(f"tasks/{created.id}").json()["reminders"]
    # Due 2027-03-14T14:00Z: two days before is 2027-03-12T14:00Z... after NOW, so owed; one hour before too.
    assert [reminder["pending"] for reminder in shown] == [True, True]
    later = occurrence_create_next(
        envelope=parse_envelope(_complete_again(api, user, created.id)),
        now=datetime(2027, 3, 14, 12, 0, tzinfo=UTC),
    )
    assert later is not None
    # Due 2027-03-15T14:00Z, made at 2027-03-14T12:00Z: two days before has passed, one hour before has not.
    assert api.get(f"tasks/{later.id}").json()["reminders"] == [
        {"at": "2027-03-13T14:00:00Z", "before_due": "P2D", "pending": False},
        {"at": "2027-03-15T13:00:00Z", "before_due": "PT1H", "pending": True},
    ]
    assert (later.reminder_at, later.reminder_sent) == (datetime(2027, 3, 15, 13, 0, tzinfo=UTC), False)


def _complete_again(api, user, task_id):
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200
    return outbox_envelopes(user.id, "task.completed")[-1]
