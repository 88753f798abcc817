"""What the `task-updates` bridge publishes for each change: the task as the API shows it, or a tombstone."""

import json
from typing import Any

import pytest
from django.utils import timezone

from live_updates_app import streams
from live_updates_app.publishing import publish_task_change
from tasks_app import services
from tests.support.factories import TaskFactory, UserProfileFactory
from tests.support.outbox import outbox_envelopes
from workers.events.envelope import parse_envelope

pytestmark = pytest.mark.django_db


def _published(user_id: str) -> list[tuple[str, Any]]:
    entries: Any = streams.client().xrange(streams.stream_key(user_id))
    return [(fields[b"type"].decode(), json.loads(fields[b"data"])) for _, fields in entries][1:]


def _publish_all(user_id: str) -> None:
    """What the bridge would do with the user's `task-updates` events, in order."""
    for envelope in outbox_envelopes(user_id):
        if envelope["event_type"] in ("task.created", "task.updated", "task.deleted"):
            publish_task_change(parse_envelope(envelope))


def test_each_change_carries_the_task_as_get_returns_it(api, user):
    task = api.post(
        "tasks", {"title": "Call mum", "tags": ["home"], "due_date": "2031-01-02T03:04:05.123456Z"}
    )
    task_id = task.json()["id"]
    api.patch(f"tasks/{task_id}", {"priority": "high"})
    _publish_all(user.id)

    (created_type, created), (updated_type, updated) = _published(user.id)
    assert (created_type, updated_type) == ("task.created", "task.updated")
    current = api.get(f"tasks/{task_id}").json()
    assert created["task"] == updated["task"] == current  # the current representation, microseconds and all
    assert updated["changed"] == ["priority"]
    assert updated["task_id"] == task_id
    assert updated["event_id"].startswith("task.updated-")


def test_a_delete_is_a_tombstone_and_an_update_of_a_task_deleted_since_carries_none(api, user):
    task_id = api.post("tasks", {"title": "Short-lived"}).json()["id"]
    api.patch(f"tasks/{task_id}", {"title": "Renamed"})
    api.delete(f"tasks/{task_id}")
    _publish_all(user.id)

    published = _published(user.id)
    assert [event_type for event_type, _ in published] == ["task.created", "task.updated", "task.deleted"]
    assert all(message["task"] is None for _, message in published)
    assert published[2][1]["task_id"] == task_id


def test_another_users_task_is_never_shown(api, user):
    """An event naming a task of another user (a forged record) publishes no task."""
    stranger = UserProfileFactory()
    theirs = TaskFactory(user=stranger)
    services.task_update(task=theirs, changes={"title": "theirs"}, at=timezone.now())
    [envelope] = outbox_envelopes(stranger.id, "task.updated")
    forged = parse_envelope({**envelope, "user_id": user.id, "event_id": "forged-1"})
    publish_task_change(forged)
    [(_, message)] = _published(user.id)
    assert message["task"] is None
