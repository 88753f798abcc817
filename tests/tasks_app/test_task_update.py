"""GET/PUT/PATCH/DELETE /api/{user_id}/tasks/{id} and the events each change writes."""

from datetime import UTC, datetime, timedelta

import pytest

from tasks_app.models import Task
from tests.support.factories import TaskFactory
from tests.support.outbox import outbox_envelopes, outbox_types
from tests.support.reminders import set_reminders
from tests.support.times import hours_ahead, iso, iso_millis

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(api):
    body = api.post("tasks", {"title": "Original", "tags": ["a"], "priority": "low"}).json()
    return Task.objects.get(pk=body["id"])


def test_get_returns_the_task(api, task):
    response = api.get(f"tasks/{task.id}")
    assert response.status_code == 200
    assert response.json()["title"] == "Original"


def test_patch_changes_only_the_given_fields(api, user, task):
    response = api.patch(f"tasks/{task.id}", {"title": "Renamed"})

    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert response.json()["tags"] == ["a"]
    assert response.json()["priority"] == "low"
    task.refresh_from_db()
    assert task.title == "Renamed"
    [event] = outbox_envelopes(user.id, "task.updated")
    assert event["payload"]["changed"] == ["title"]
    assert event["payload"]["task"]["title"] == "Renamed"


def test_put_replaces_every_writable_field(api, user, task):
    response = api.put(f"tasks/{task.id}", {"title": "Replaced"})

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["tags"], body["priority"]) == ("Replaced", [], "medium")
    [event] = outbox_envelopes(user.id, "task.updated")
    assert event["payload"]["changed"] == ["title", "priority", "tags"]


def test_put_requires_the_title(api, task):
    response = api.put(f"tasks/{task.id}", {"priority": "high"})
    assert response.status_code == 400
    assert "title" in response.json()["error"]["details"]


def test_patch_that_changes_nothing_writes_no_event(api, user, task):
    assert api.patch(f"tasks/{task.id}", {"title": "Original"}).status_code == 200
    assert outbox_types(user.id) == ["task.created"]


def test_patch_rejects_invalid_values(api, user, task):
    response = api.patch(f"tasks/{task.id}", {"title": "", "recurring_pattern": "FREQ=NEVER"})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"title", "recurring_pattern"}
    task.refresh_from_db()
    assert task.title == "Original"


def test_setting_a_reminder_emits_reminder_scheduled(api, user, task):
    reminder = hours_ahead(2)
    api.patch(f"tasks/{task.id}", {"reminder_at": iso(reminder)})

    assert outbox_types(user.id) == ["task.created", "task.updated", "reminder.scheduled"]
    [scheduled] = outbox_envelopes(user.id, "reminder.scheduled")
    assert scheduled["payload"]["reminder_at"] == iso_millis(reminder)


def test_moving_a_reminder_reschedules_and_resets_sent(api, user, task):
    first = hours_ahead(2)
    api.patch(f"tasks/{task.id}", {"reminder_at": iso(first)})
    set_reminders(Task.objects.get(pk=task.id), first, done=(first,))
    api.patch(f"tasks/{task.id}", {"reminder_at": iso(hours_ahead(3))})

    task.refresh_from_db()
    assert task.reminder_sent is False
    assert outbox_types(user.id).count("reminder.scheduled") == 2


def test_offset_on_patch_uses_the_stored_due_date(api, user, task):
    due = hours_ahead(10)
    api.patch(f"tasks/{task.id}", {"due_date": iso(due)})
    response = api.patch(f"tasks/{task.id}", {"reminder_offset_hours": 0.5})

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.reminder_at == due - timedelta(minutes=30)


def test_removing_a_reminder_emits_reminder_cancelled(api, user, task):
    reminder = hours_ahead(2)
    api.patch(f"tasks/{task.id}", {"reminder_at": iso(reminder)})
    api.patch(f"tasks/{task.id}", {"reminder_at": None})

    assert outbox_types(user.id)[-2:] == ["task.updated", "reminder.cancelled"]
    [cancelled] = outbox_envelopes(user.id, "reminder.cancelled")
    assert cancelled["payload"] == {"task_id": task.id, "reminder_at": iso_millis(reminder)}


def test_delete_removes_the_task_and_emits_task_deleted(api, user, task):
    response = api.delete(f"tasks/{task.id}")

    assert response.status_code == 204
    assert not Task.objects.filter(pk=task.id).exists()
    [deleted] = outbox_envelopes(user.id, "task.deleted")
    assert deleted["payload"] == {"task_id": task.id}
    assert deleted["task_id"] == task.id
    assert api.get(f"tasks/{task.id}").status_code == 404


def test_delete_with_a_pending_reminder_cancels_it(api, user):
    body = api.post("tasks", {"title": "R", "reminder_at": iso(hours_ahead(1))}).json()
    api.delete(f"tasks/{body['id']}")
    assert outbox_types(user.id) == [
        "task.created",
        "reminder.scheduled",
        "task.deleted",
        "reminder.cancelled",
    ]


def test_unknown_task_id_is_404(api):
    assert api.get("tasks/424242").status_code == 404
    assert api.delete("tasks/424242").status_code == 404


def test_two_updates_in_one_millisecond_get_distinct_event_ids(user):
    from tasks_app import services

    task = TaskFactory(user=user)
    at = datetime.now(tz=UTC)
    services.task_update(task=task, changes={"title": "one"}, at=at)
    services.task_update(task=task, changes={"title": "two"}, at=at)

    events = outbox_envelopes(user.id, "task.updated")
    assert len({event["event_id"] for event in events}) == 2
    millis = [int(event["event_id"].rsplit("-", 1)[1]) for event in events]
    assert millis[1] == millis[0] + 1
