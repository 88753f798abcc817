"""The database's record of owed occurrences and the sweep that settles it when the event does not come."""

from datetime import UTC, datetime, timedelta

import pytest

from recurrence_app.services import occurrence_create_next, occurrences_create_owed
from tasks_app.models import Task
from tests.support.outbox import outbox_envelopes
from workers.dead_letters.models import DeadLetter
from workers.events.envelope import parse_envelope
from workers.events.models import ProcessedEvent

pytestmark = pytest.mark.django_db

OWED_FOR = timedelta(seconds=4)
WEEKLY = {
    "title": "Water the plants",
    "due_date": "2031-05-05T07:00:00Z",
    "timezone": "Europe/Berlin",
    "recurring_pattern": "FREQ=WEEKLY;BYDAY=MO,TH",
}


def completed(api, body=WEEKLY) -> Task:
    task_id = api.post("tasks", body).json()["id"]
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200
    task = Task.objects.get(pk=task_id)
    assert task.completed_at is not None
    return task


def sweep(task: Task, *, after: timedelta) -> int:
    assert task.completed_at is not None
    return occurrences_create_owed(now=task.completed_at + after, owed_for=OWED_FOR)


def test_completing_a_recurring_task_records_the_owed_occurrence_and_reopening_cancels_it(api):
    task = completed(api)
    assert task.next_occurrence_owed_since == task.completed_at

    api.patch(f"tasks/{task.pk}/complete", {"completed": False})
    task.refresh_from_db()
    assert task.next_occurrence_owed_since is None


def test_a_one_off_task_owes_nothing(api):
    task = completed(api, {"title": "Once"})
    assert task.next_occurrence_owed_since is None


def test_the_event_settles_the_debt_and_the_sweep_then_has_nothing_to_do(api, user):
    task = completed(api)
    event = parse_envelope(outbox_envelopes(user.id, "task.completed")[-1])
    occurrence_create_next(envelope=event, now=datetime.now(tz=UTC))

    task.refresh_from_db()
    assert task.next_occurrence_owed_since is None
    assert sweep(task, after=timedelta(minutes=1)) == 0
    assert Task.objects.filter(parent_task=task).count() == 1


def test_the_sweep_creates_an_occurrence_whose_event_never_came_and_the_late_event_is_a_duplicate(api, user):
    task = completed(api)

    assert sweep(task, after=OWED_FOR - timedelta(milliseconds=1)) == 0  # the event may still come
    assert not Task.objects.filter(parent_task=task).exists()
    assert sweep(task, after=OWED_FOR) == 1

    [following] = Task.objects.filter(parent_task=task)
    assert following.due_date == datetime(2031, 5, 8, 7, 0, tzinfo=UTC)
    task.refresh_from_db()
    assert (task.next_occurrence, task.next_occurrence_owed_since) == (following.due_date, None)
    # Done under the event's own id: the event, arriving after all, changes nothing.
    event = parse_envelope(outbox_envelopes(user.id, "task.completed")[-1])
    assert ProcessedEvent.objects.filter(consumer="recurrence", event_id=event.event_id).exists()
    assert occurrence_create_next(envelope=event, now=datetime.now(tz=UTC)) is None
    assert Task.objects.filter(parent_task=task).count() == 1


def test_a_series_that_has_ended_is_settled_without_an_occurrence(api):
    task = completed(api, {**WEEKLY, "recurring_end_date": "2031-05-06T00:00:00Z"})

    assert sweep(task, after=OWED_FOR) == 1

    task.refresh_from_db()
    assert (task.next_occurrence, task.next_occurrence_owed_since) == (None, None)
    assert not Task.objects.filter(parent_task=task).exists()


def test_a_task_no_longer_recurring_is_settled(api):
    task = completed(api)
    Task.objects.filter(pk=task.pk).update(recurring_pattern=None)

    sweep(task, after=OWED_FOR)

    task.refresh_from_db()
    assert task.next_occurrence_owed_since is None
    assert not Task.objects.filter(parent_task=task).exists()


def test_a_bad_pattern_is_dead_lettered_once_and_no_longer_owed(api, user):
    task, other = completed(api), completed(api, {**WEEKLY, "title": "Other"})
    Task.objects.filter(pk=task.pk).update(recurring_pattern="FREQ=SOMETIMES")

    assert sweep(task, after=OWED_FOR + timedelta(seconds=1)) == 1  # the other: the bad one stops nothing

    assert Task.objects.filter(parent_task=other).count() == 1
    [letter] = DeadLetter.objects.all()
    assert (letter.consumer, letter.event_type, letter.task_id) == ("recurrence", "task.completed", task.pk)
    assert "SOMETIMES" in letter.error_message
    task.refresh_from_db()
    assert task.next_occurrence_owed_since is None
    assert sweep(task, after=timedelta(minutes=1)) == 0
    assert DeadLetter.objects.count() == 1
