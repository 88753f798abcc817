"""Export from one account, import into another: the same tasks, series, reminders and completions, each
new task's events in the outbox as the task API writes them, and no occurrence owed for a completion."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifications_app.models import Reminder
from notifications_app.services import reminder_sync
from recurrence_app.services import occurrence_create_next, occurrences_create_owed
from tasks_app.models import Task
from tasks_app.reminders import pending_instants
from tasks_app.services import tasks_mark_reminded
from tests.portability_app.helpers import complete_task, create_task, export_document, import_document
from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token
from tests.support.outbox import outbox_envelopes, outbox_types
from workers.events.envelope import parse_envelope

pytestmark = pytest.mark.django_db

KEPT = (
    "title",
    "description",
    "completed",
    "completed_at",
    "skipped",
    "priority",
    "tags",
    "due_date",
    "timezone",
    "recurring_pattern",
    "recurring_end_date",
    "recurrence_anchor",
    "next_occurrence",
    "reminders",
    "reminder_at",
    "reminder_sent",
    "created_at",
)


def _as(user_id: str) -> Api:
    return Api(user_id, make_token(user_id))


def _fill(api: Api) -> None:
    """Tasks of every kind: a one-off with every field, a series repeated from completion (its first task
    completed, its second skipped, its third open), a completed one-off, a task whose reminder was sent, and
    one with three reminders (at an instant, and before its due date), the first of them sent."""
    now = datetime.now(UTC)
    paris = ZoneInfo("Europe/Paris")
    due = (now + timedelta(days=3)).astimezone(paris).replace(hour=9, minute=0, second=0, microsecond=0)
    create_task(
        api,
        title="Pay rent",
        description="Bank transfer\nto the landlord",
        priority="high",
        tags=["home", "money"],
        due_date=due.isoformat(),
        timezone="Europe/Paris",
        reminder_at=(due - timedelta(hours=1)).isoformat(),
    )
    series = create_task(
        api,
        title="Water the plants",
        priority="low",
        due_date=(due + timedelta(hours=1)).isoformat(),
        timezone="Europe/Paris",
        recurring_pattern="WEEKLY",
        recurring_end_date=(due + timedelta(days=60)).isoformat(),
        recurrence_anchor="completion",
        reminder_offset_hours=0.25,
    )
    complete_task(api, series["id"])
    [completed] = outbox_envelopes(api.user_id, "task.completed")
    occurrence = occurrence_create_next(envelope=parse_envelope(completed), now=datetime.now(UTC))
    assert occurrence is not None  # the series' second task, as the recurrence worker makes it
    assert api.post(f"tasks/{occurrence.pk}/skip", None).status_code == 200
    skip = outbox_envelopes(api.user_id, "task.completed")[-1]
    occurrence_create_next(envelope=parse_envelope(skip), now=datetime.now(UTC))  # settles what it owes
    done = create_task(api, title="Done already")
    complete_task(api, done["id"])
    reminded = create_task(api, title="Call mum", reminder_at=(now + timedelta(hours=2)).isoformat())
    several = create_task(
        api,
        title="Dentist",
        due_date=due.isoformat(),
        reminders=[
            {"before_due": "P1D"},
            {"at": (now + timedelta(hours=1)).isoformat()},
            {"before_due": "PT0S"},
        ],
    )
    marked = tasks_mark_reminded(
        reminders=[
            (reminded["id"], datetime.fromisoformat(reminded["reminder_at"])),
            (several["id"], datetime.fromisoformat(several["reminders"][0]["at"])),
        ],
        at=datetime.now(UTC),
    )
    assert len(marked) == 2


def _tasks(user_id: str) -> list[Task]:
    return list(Task.objects.filter(user_id=user_id).order_by("id"))


def _without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in names}


def test_a_round_trip_reproduces_every_task_in_another_account(api: Api, user):
    _fill(api)
    exported = export_document(api)
    source = _tasks(user.id)
    assert [record["title"] for record in exported["tasks"]] == [task.title for task in source]

    other = UserProfileFactory()
    imported = import_document(_as(other.id), exported)
    assert imported.status_code == 201, imported.content
    assert imported.json() == {"imported": 7, "series": 2}

    copies = _tasks(other.id)
    assert len(copies) == len(source) == 7
    for original, copy in zip(source, copies, strict=True):
        assert {name: getattr(copy, name) for name in KEPT} == {
            name: getattr(original, name) for name in KEPT
        }
        assert copy.next_occurrence_owed_since is None
    # The series: the occurrences point at the copy of its first task, as the originals do.
    first = copies[1]
    assert source[2].parent_task_id == source[3].parent_task_id == source[1].pk
    assert [copy.parent_task_id for copy in copies] == [None, None, first.pk, first.pk, None, None, None]
    assert (copies[2].skipped, copies[3].completed) == (True, False)

    # Exporting the copy gives the same document but for ids and the import's own times.
    again = export_document(_as(other.id))
    old_ids = {record["id"]: position for position, record in enumerate(exported["tasks"])}
    new_ids = {record["id"]: position for position, record in enumerate(again["tasks"])}
    for old, new in zip(exported["tasks"], again["tasks"], strict=True):
        assert _without(new, "id", "series", "updated_at") == _without(old, "id", "series", "updated_at")
        assert (new["series"] and new_ids[new["series"]]) == (old["series"] and old_ids[old["series"]])


def test_the_import_writes_each_tasks_events_and_owes_no_occurrence(api: Api, user):
    _fill(api)
    other = UserProfileFactory()
    assert import_document(_as(other.id), export_document(api)).status_code == 201
    copies = {task.pk: task for task in _tasks(other.id)}

    created = outbox_envelopes(other.id, "task.created")
    assert sorted(envelope["task_id"] for envelope in created) == sorted(copies)
    scheduled = outbox_envelopes(other.id, "reminder.scheduled")
    # Only for reminders still pending: one sent (or passed) is created done.
    pending_reminder = sorted(
        pk for pk, task in copies.items() if task.reminder_at and not task.reminder_sent
    )
    assert sorted(envelope["task_id"] for envelope in scheduled) == pending_reminder
    assert "task.completed" not in outbox_types(other.id)  # completions are history, not new ones
    # The state the create service cannot take arrives as task.updated, with the task as it now is.
    updated = {
        envelope["task_id"]: envelope["payload"] for envelope in outbox_envelopes(other.id, "task.updated")
    }
    assert set(updated) == set(copies)
    for pk, payload in updated.items():
        assert payload["task"]["completed"] == copies[pk].completed
        assert "created_at" in payload["changed"]

    # Neither the event path nor the sweep creates a next occurrence for an imported completion.
    assert occurrences_create_owed(now=datetime.now(UTC) + timedelta(days=400), owed_for=timedelta(0)) == 0
    assert Task.objects.filter(user_id=other.id).count() == 7

    # The reminder pipeline schedules what is still ahead; a sent or completed task's reminder is not.
    for envelope in scheduled:
        reminder_sync(
            task_id=envelope["task_id"], user_id=other.id, now=datetime.now(UTC), enqueue=lambda _: None
        )
    pending = {
        (reminder.task_id, reminder.remind_at)
        for reminder in Reminder.objects.filter(user_id=other.id, status=Reminder.Status.SCHEDULED)
    }
    wanted = {
        (pk, instant)
        for pk, task in copies.items()
        if not task.completed
        for instant in pending_instants(task.reminders, task.due_date)
    }
    assert pending == wanted
    # The one-off's, the series' open occurrence's, and the two of three still pending.
    assert len(wanted) == 4


def test_the_exporting_account_is_left_untouched(api: Api, user):
    _fill(api)
    before = export_document(api)
    events_before = len(outbox_types(user.id))
    other = UserProfileFactory()
    assert import_document(_as(other.id), before).status_code == 201
    after = export_document(api)
    assert after["tasks"] == before["tasks"]
    assert len(outbox_types(user.id)) == events_before


def test_a_passed_reminder_not_yet_sent_is_imported_as_sent(api: Api):
    from tests.portability_app.helpers import document, record

    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = import_document(
        api,
        document(
            record(1, reminder_at=past),
            record(2, reminder_at=future),
            record(3, completed=True, completed_at=past, reminder_at=future),
        ),
    )
    assert response.status_code == 201, response.content
    first, second, third = _tasks(api.user_id)
    assert (first.reminder_sent, second.reminder_sent, third.reminder_sent) == (True, False, False)
    assert third.completed
    assert third.next_occurrence_owed_since is None


def test_ids_in_any_order_link_series_as_long_as_a_first_task_comes_first(api: Api):
    from tests.portability_app.helpers import document, record

    response = import_document(
        api,
        document(
            record(90, recurring_pattern="DAILY", due_date="2031-01-01T09:00:00Z"),
            record(5, series=90, recurring_pattern="DAILY", due_date="2031-01-02T09:00:00Z"),
            record(40),
            record(7, series=5, recurring_pattern="DAILY", due_date="2031-01-03T09:00:00Z"),
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 4, "series": 2}
    first, second, alone, third = _tasks(api.user_id)
    assert (second.parent_task_id, alone.parent_task_id, third.parent_task_id) == (first.pk, None, first.pk)
    duplicate = import_document(api, document(record(9), record(3), record(9)))
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["details"] == {
        "tasks": {"2": {"id": ["Another task of the file has this id."]}}
    }
