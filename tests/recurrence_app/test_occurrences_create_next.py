"""occurrences_create_next(): a batch of `task.completed` events handled together, in a few statements, with
the outcome of handling each one alone (occurrence_create_next, which is a batch of one)."""

import logging
from datetime import UTC, datetime

import pytest

from recurrence_app.services import occurrences_create_next
from tasks_app.models import Task
from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token
from tests.support.outbox import outbox_envelopes
from workers.bridge.retry_policies import PermanentEventError
from workers.events.envelope import Envelope, parse_envelope
from workers.events.models import ProcessedEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 12, 12, 0, tzinfo=UTC)
WEEKLY = {
    "due_date": "2027-03-15T08:00:00Z",
    "timezone": "Europe/Paris",
    "recurring_pattern": "FREQ=WEEKLY;BYDAY=MO",
    "reminders": [{"before_due": "PT30M"}],
}


def completed(api: Api, title: str, **fields: object) -> tuple[int, Envelope]:
    task_id = api.post("tasks", {"title": title, **WEEKLY, **fields}).json()["id"]
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200
    [event] = [e for e in outbox_envelopes(api.user_id, "task.completed") if e["task_id"] == task_id][-1:]
    return task_id, parse_envelope(event)


@pytest.fixture
def users() -> list[Api]:
    return [Api(user.id, make_token(user.id)) for user in UserProfileFactory.create_batch(3)]


def test_a_batch_makes_each_series_next_occurrence_in_a_fixed_number_of_statements(
    users, django_assert_max_num_queries
):
    batch = [completed(api, f"series {n}") for n, api in enumerate(users * 4)]

    # The processed events, the tasks, their update, the existing occurrences, the new ones, their events;
    # and the savepoint of the test's transaction (a worker's is a transaction of its own).
    with django_assert_max_num_queries(8):
        made = occurrences_create_next(envelopes=[event for _, event in batch], now=NOW)

    assert set(made) == {task_id for task_id, _ in batch}
    for task_id, _ in batch:
        following = made[task_id]
        assert following is not None
        assert following.parent_task_id == task_id
        assert following.due_date == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # next Monday, 09:00 Paris
        assert following.reminder_at == datetime(2027, 3, 22, 7, 30, tzinfo=UTC)
        assert Task.objects.get(pk=task_id).next_occurrence == following.due_date
    created = {e["task_id"] for api in users for e in outbox_envelopes(api.user_id, "task.created")}
    scheduled = {e["task_id"] for api in users for e in outbox_envelopes(api.user_id, "reminder.scheduled")}
    assert {following.pk for following in made.values() if following} <= created & scheduled
    assert ProcessedEvent.objects.filter(consumer="recurrence").count() == len(batch)
    assert not Task.objects.filter(next_occurrence_owed_since__isnull=False).exists()


def test_a_batch_gives_what_each_event_alone_would(users, caplog):
    api = users[0]
    plain, plain_event = completed(api, "plain")
    reopened, reopened_event = completed(api, "reopened")
    api.patch(f"tasks/{reopened}/complete", {"completed": False})
    once = api.post("tasks", {"title": "once", "due_date": "2027-03-15T08:00:00Z"}).json()["id"]
    api.patch(f"tasks/{once}/complete", {"completed": True})
    [once_event] = [
        parse_envelope(e) for e in outbox_envelopes(api.user_id, "task.completed") if e["task_id"] == once
    ]
    gone, gone_event = completed(api, "deleted")
    api.delete(f"tasks/{gone}")
    twice, first_event = completed(api, "completed twice")
    api.patch(f"tasks/{twice}/complete", {"completed": False})
    api.patch(f"tasks/{twice}/complete", {"completed": True})
    [_, second_event] = [
        parse_envelope(e) for e in outbox_envelopes(api.user_id, "task.completed") if e["task_id"] == twice
    ]
    stranger = users[1]
    theirs, theirs_event = completed(stranger, "someone else's")
    forged = parse_envelope({**theirs_event.raw, "user_id": api.user_id, "event_id": "forged-1"})
    events = [plain_event, reopened_event, once_event, gone_event, first_event, second_event, forged]

    with caplog.at_level(logging.INFO, logger="recurrence_app.services"):
        made = occurrences_create_next(envelopes=[*events, plain_event], now=NOW)

    assert made[plain] is not None
    assert made[twice] is not None
    assert (made[reopened], made[once]) == (None, None)
    assert gone not in made
    assert theirs not in made  # an event naming another user's task is as for a deleted one
    assert Task.objects.filter(parent_task_id=twice).count() == 1
    assert not Task.objects.filter(parent_task_id__in=[reopened, once, theirs]).exists()
    assert [r.getMessage() for r in caplog.records if "duplicate" in r.getMessage()] == [
        f"duplicate {plain_event.event_id} ignored"
    ]
    again = occurrences_create_next(envelopes=events, now=NOW)
    assert again == {}


def test_a_bad_pattern_fails_the_whole_batch_and_writes_nothing(users):
    api = users[0]
    good, good_event = completed(api, "good")
    bad, bad_event = completed(api, "bad")
    Task.objects.filter(pk=bad).update(recurring_pattern="FREQ=NONSENSE")

    with pytest.raises(PermanentEventError, match=f"task {bad} has a bad recurring pattern"):
        occurrences_create_next(envelopes=[good_event, bad_event], now=NOW)

    assert not Task.objects.filter(parent_task_id__in=[good, bad]).exists()
    assert not ProcessedEvent.objects.filter(consumer="recurrence").exists()
