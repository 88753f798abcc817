"""A series' history (`GET .../tasks/{id}/series`), skipping an occurrence (`POST .../skip`) and stopping a
series (a PATCH of `recurring_pattern` to null)."""

from datetime import timedelta

import pytest

from recurrence_app.services import occurrence_create_next
from tasks_app.models import Task
from tests.support.api import Api
from tests.support.factories import TaskFactory, UserProfileFactory, make_token
from tests.support.outbox import outbox_envelopes
from tests.support.times import hours_ahead
from workers.events.envelope import parse_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(user):
    """A daily series: its root (done), then occurrences skipped, done and open, made out of due order."""
    due = hours_ahead(-72)
    root = TaskFactory(user=user, title="Stretch", recurring_pattern="DAILY", due_date=due, completed=True)

    def occurrence(days: int) -> Task:
        return TaskFactory(
            user=user,
            title="Stretch",
            recurring_pattern="DAILY",
            parent_task=root,
            due_date=due + timedelta(days),
        )

    open_ = occurrence(3)  # made first: the series is listed by due date, not by creation
    skipped, done = occurrence(1), occurrence(2)
    for task, skip in ((root, False), (skipped, True), (done, False)):
        Task.objects.filter(pk=task.pk).update(completed=True, completed_at=task.due_date, skipped=skip)
    return root, skipped, done, open_


def test_the_series_lists_every_occurrence_in_due_order_with_its_outcome(api, user, series):
    root, skipped, done, open_ = series
    TaskFactory(user=user, title="Not in it")

    for member in (root, open_):
        body = api.get(f"tasks/{member.id}/series").json()

        assert body["count"] == 4
        assert [task["id"] for task in body["results"]] == [root.id, skipped.id, done.id, open_.id]
        outcomes = [
            (task["completed"], task["skipped"], task["completed_at"] is not None) for task in body["results"]
        ]
        assert outcomes == [
            (True, False, True),
            (True, True, True),
            (True, False, True),
            (False, False, False),
        ]


def test_the_series_pages_like_the_list(api, series):
    root, skipped, done, open_ = series

    first = api.get(f"tasks/{root.id}/series?page_size=3").json()
    second = api.get(f"tasks/{root.id}/series?page_size=3&page=2").json()

    assert [task["id"] for task in first["results"] + second["results"]] == [
        root.id,
        skipped.id,
        done.id,
        open_.id,
    ]
    assert first["next"] is not None
    assert second["next"] is None
    assert api.get(f"tasks/{root.id}/series?page=0").status_code == 400
    assert api.get(f"tasks/{root.id}/series?page=3&page_size=3").status_code == 404


def test_a_task_of_no_series_is_a_series_of_one(api, user):
    task = TaskFactory(user=user)

    body = api.get(f"tasks/{task.id}/series").json()

    assert [member["id"] for member in body["results"]] == [task.id]


def test_another_users_series_is_not_found(api, series):
    stranger = UserProfileFactory()
    theirs = Api(stranger.id, make_token(stranger.id))
    root = series[0]

    assert theirs.get(f"tasks/{root.id}/series").status_code == 404
    assert api.get(f"tasks/{root.id + 10_000}/series").status_code == 404


def test_skipping_completes_the_occurrence_as_skipped_and_owes_the_next(api, user, series):
    open_ = series[3]

    response = api.post(f"tasks/{open_.id}/skip", None)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["completed"], body["skipped"]) == (True, True)
    assert body["completed_at"] is not None
    assert Task.objects.get(pk=open_.id).next_occurrence_owed_since is not None
    [completion] = [e for e in outbox_envelopes(user.id, "task.completed") if e["task_id"] == open_.id]
    assert completion["payload"]["skipped"] is True
    [update] = [e for e in outbox_envelopes(user.id, "task.updated") if e["task_id"] == open_.id]
    assert update["payload"]["changed"] == ["completed", "completed_at", "skipped"]

    following = occurrence_create_next(envelope=parse_envelope(completion), now=hours_ahead(0))
    assert following is not None
    assert (following.completed, following.skipped, following.parent_task_id) == (False, False, series[0].id)


def test_skipping_again_changes_nothing(api, user, series):
    open_ = series[3]
    first = api.post(f"tasks/{open_.id}/skip", None).json()
    events = len(outbox_envelopes(user.id))

    again = api.post(f"tasks/{open_.id}/skip", None)

    assert again.status_code == 200
    assert again.json() == first
    assert len(outbox_envelopes(user.id)) == events


def test_reopening_a_skipped_occurrence_undoes_the_skip(api, series):
    open_ = series[3]
    api.post(f"tasks/{open_.id}/skip", None)

    body = api.patch(f"tasks/{open_.id}/complete", {"completed": False}).json()

    assert (body["completed"], body["skipped"], body["completed_at"]) == (False, False, None)


@pytest.mark.parametrize(
    ("fields", "why"),
    [({}, "does not recur"), ({"recurring_pattern": "DAILY", "completed": True}, "completed already")],
)
def test_only_an_open_occurrence_can_be_skipped(api, user, fields, why):
    task = TaskFactory(user=user, **fields)

    response = api.post(f"tasks/{task.id}/skip", None)

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "not_skippable"
    assert why in error["message"]
    assert Task.objects.get(pk=task.id).skipped is False


def test_stopping_a_series_keeps_its_history(api, user, series):
    root, skipped, done, open_ = series

    stopped = api.patch(f"tasks/{open_.id}", {"recurring_pattern": None})
    assert stopped.status_code == 200, stopped.content
    assert api.patch(f"tasks/{open_.id}/complete", {"completed": True}).status_code == 200
    completion = outbox_envelopes(user.id, "task.completed")[-1]

    assert occurrence_create_next(envelope=parse_envelope(completion), now=hours_ahead(0)) is None
    body = api.get(f"tasks/{open_.id}/series").json()
    assert [task["id"] for task in body["results"]] == [root.id, skipped.id, done.id, open_.id]
    assert body["results"][-1]["recurring_pattern"] is None
