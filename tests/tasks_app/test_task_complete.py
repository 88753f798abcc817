"""PATCH /api/{user_id}/tasks/{id}/complete: completing and reopening, and the events they write."""

import pytest

from tasks_app.models import Task
from tests.support.outbox import outbox_envelopes, outbox_rows, outbox_types
from tests.support.times import iso_millis

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(api):
    body = api.post(
        "tasks",
        {
            "title": "Standup",
            "due_date": "2030-03-09T14:00:00Z",
            "timezone": "America/New_York",
            "recurring_pattern": "daily",
            "recurring_end_date": "2030-06-01T00:00:00Z",
        },
    ).json()
    return Task.objects.get(pk=body["id"])


def test_complete_returns_the_completed_task(api, task):
    response = api.patch(f"tasks/{task.id}/complete", {"completed": True})

    assert response.status_code == 200
    body = response.json()
    assert body["completed"] is True
    assert body["completed_at"] is not None
    task.refresh_from_db()
    assert task.completed is True


def test_complete_emits_task_completed_with_completed_at_and_the_recurrence_fields(api, user, task):
    api.patch(f"tasks/{task.id}/complete", {"completed": True})
    task.refresh_from_db()

    assert outbox_types(user.id) == ["task.created", "task.completed", "task.updated"]
    completed_row = next(row for row in outbox_rows(user.id) if row.event_type == "task.completed")
    assert completed_row.topic == "task-events"
    envelope = completed_row.payload
    assert envelope["event_id"].startswith(f"task.completed-{task.id}-")
    assert envelope["payload"] == {
        "task_id": task.id,
        "completed_at": iso_millis(task.completed_at),
        "skipped": False,
        "recurring_pattern": "DAILY",
        "recurring_end_date": "2030-06-01T00:00:00.000Z",
        "recurrence_anchor": "due",
        "due_date": "2030-03-09T14:00:00.000Z",
        "timezone": "America/New_York",
        "parent_task_id": None,
    }


def test_completing_twice_is_a_no_op(api, user, task):
    api.patch(f"tasks/{task.id}/complete", {"completed": True})
    response = api.patch(f"tasks/{task.id}/complete", {"completed": True})

    assert response.status_code == 200
    assert outbox_types(user.id).count("task.completed") == 1


def test_reopen_emits_task_updated_only(api, user, task):
    api.patch(f"tasks/{task.id}/complete", {"completed": True})
    response = api.patch(f"tasks/{task.id}/complete", {"completed": False})

    assert response.status_code == 200
    assert response.json()["completed"] is False
    assert response.json()["completed_at"] is None
    assert outbox_types(user.id) == ["task.created", "task.completed", "task.updated", "task.updated"]
    assert outbox_envelopes(user.id, "task.updated")[-1]["payload"]["task"]["completed"] is False


@pytest.mark.parametrize("body", [{}, {"completed": "sure"}, {"completed": None}])
def test_complete_needs_a_boolean(api, task, body):
    response = api.patch(f"tasks/{task.id}/complete", body)
    assert response.status_code == 400
    assert "completed" in response.json()["error"]["details"]
