"""Series repeated from completion (`recurrence_anchor: "completion"`): the next occurrence counted from the
day the last one was completed, at the rule's time of day, like Todoist's `every!`."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from recurrence_app.occurrences import next_occurrence_from_completion
from recurrence_app.services import occurrence_create_next
from tasks_app.models import RecurrenceAnchor, Task
from tests.support.outbox import outbox_envelopes
from workers.events.envelope import parse_envelope

NEW_YORK = "America/New_York"
EVERY_3_DAYS = "FREQ=DAILY;INTERVAL=3"


def local(text: str, zone: str = NEW_YORK) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


# fmt: off
CASES = [
    ("done in the evening: three days after that day, at the rule's time",
     EVERY_3_DAYS, "2027-01-04 20:00", "2027-01-07 09:00"),
    ("done before the rule's time that day: still three days after that day",
     EVERY_3_DAYS, "2027-01-04 07:00", "2027-01-07 09:00"),
    ("done late, a week after it was due: counted from the completion, not the due date",
     EVERY_3_DAYS, "2027-01-11 12:00", "2027-01-14 09:00"),
    ("across the spring-forward change: 09:00 local stays 09:00 local",
     EVERY_3_DAYS, "2027-03-12 18:00", "2027-03-15 09:00"),
    ("a weekly rule on Mondays, done on a Wednesday: the Monday after",
     "FREQ=WEEKLY;BYDAY=MO", "2027-01-06 10:00", "2027-01-11 09:00"),
    ("a rule's UNTIL still ends the series",
     "FREQ=DAILY;INTERVAL=3;UNTIL=20270106", "2027-01-04 20:00", None),
]
# fmt: on


@pytest.mark.parametrize(("pattern", "completed", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_the_next_occurrence_is_counted_from_the_completion(pattern, completed, expected):
    due_first = local("2027-01-01 09:00")  # the series' first occurrence: its time of day is the rule's

    result = next_occurrence_from_completion(
        pattern=pattern,
        completed_at=local(completed),
        time_of_day_of=due_first,
        after=local(completed),
        timezone=NEW_YORK,
    )

    assert result == (None if expected is None else local(expected).astimezone(UTC))


def test_an_end_date_ends_it_too():
    result = next_occurrence_from_completion(
        pattern=EVERY_3_DAYS,
        completed_at=local("2027-01-04 20:00"),
        time_of_day_of=local("2027-01-01 09:00"),
        after=local("2027-01-04 20:00"),
        timezone=NEW_YORK,
        end=local("2027-01-06 23:59"),
    )

    assert result is None


@pytest.mark.django_db
def test_the_worker_makes_the_next_occurrence_from_the_completion(api, user):
    body = {
        "title": "Water the plants",
        "due_date": "2027-01-01T14:00:00Z",  # 09:00 in New York
        "timezone": NEW_YORK,
        "recurring_pattern": EVERY_3_DAYS,
        "recurrence_anchor": "completion",
    }
    created = api.post("tasks", body)
    assert created.status_code == 201, created.content
    assert created.json()["recurrence_anchor"] == "completion"
    task_id = created.json()["id"]
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200
    completed_at = local("2027-01-09 21:30")  # watered eight days late, in the evening
    Task.objects.filter(pk=task_id).update(completed_at=completed_at)
    event = parse_envelope(outbox_envelopes(user.id, "task.completed")[-1])
    assert event.payload["recurrence_anchor"] == "completion"

    following = occurrence_create_next(envelope=event, now=completed_at)

    assert following is not None
    assert following.due_date == local("2027-01-12 09:00").astimezone(UTC)
    assert (following.recurrence_anchor, following.parent_task_id) == (RecurrenceAnchor.COMPLETION, task_id)


@pytest.mark.django_db
def test_done_before_its_due_date_the_next_one_comes_after_that_date(api, user):
    body = {
        "title": "Water the plants",
        "due_date": "2027-01-10T14:00:00Z",  # Sunday 09:00 in New York
        "timezone": NEW_YORK,
        "recurring_pattern": "WEEKLY",
        "recurrence_anchor": "completion",
    }
    task_id = api.post("tasks", body).json()["id"]
    api.patch(f"tasks/{task_id}/complete", {"completed": True})
    completed_at = local("2027-01-03 12:00")  # a week early: a week from then is the due date itself
    Task.objects.filter(pk=task_id).update(completed_at=completed_at)

    following = occurrence_create_next(
        envelope=parse_envelope(outbox_envelopes(user.id, "task.completed")[-1]), now=completed_at
    )

    assert following is not None
    assert following.due_date == local("2027-01-17 09:00").astimezone(UTC)


@pytest.mark.django_db
def test_count_cannot_be_combined_with_repeating_from_completion(api, user):
    body = {"title": "Stretch", "recurring_pattern": "FREQ=DAILY;COUNT=5", "recurrence_anchor": "completion"}
    refused = api.post("tasks", body)
    assert refused.status_code == 400, refused.content
    assert list(refused.json()["error"]["details"]) == ["recurrence_anchor"]

    task_id = api.post("tasks", {**body, "recurrence_anchor": "due"}).json()["id"]
    changed = api.patch(f"tasks/{task_id}", {"recurrence_anchor": "completion"})
    assert changed.status_code == 400, changed.content
    assert Task.objects.get(pk=task_id).recurrence_anchor == RecurrenceAnchor.DUE


@pytest.mark.django_db
def test_an_unknown_anchor_is_a_field_error(api):
    response = api.post("tasks", {"title": "Stretch", "recurrence_anchor": "whenever"})

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["details"]) == ["recurrence_anchor"]
