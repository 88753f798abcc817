"""Several reminders per task through the API: each at an instant or before the due date, moving with it,
the old one-reminder fields kept for the clients that know only them, and their events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from tasks_app.models import Task
from tasks_app.serializers import DURATION_INVALID
from tasks_app.services import tasks_mark_reminded
from tests.support.outbox import outbox_envelopes, outbox_types
from tests.support.times import hours_ahead, iso, iso_millis

pytestmark = pytest.mark.django_db


def _z(instant: datetime) -> str:
    """As the API writes an instant."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _due() -> datetime:
    return hours_ahead(48).replace(microsecond=0)


def test_a_task_takes_reminders_at_instants_and_before_its_due_date(api, user):
    due = _due()
    absolute = due - timedelta(hours=30)
    body = {
        "title": "Dentist",
        "due_date": iso(due),
        "reminders": [{"before_due": "PT15M"}, {"at": iso(absolute)}, {"before_due": "P1D"}],
    }

    response = api.post("tasks", body)

    assert response.status_code == 201, response.content
    task = response.json()
    # In the order they fall; each with its instant, its offset (if any), and still pending.
    assert task["reminders"] == [
        {"at": _z(absolute), "before_due": None, "pending": True},
        {"at": _z(due - timedelta(days=1)), "before_due": "P1D", "pending": True},
        {"at": _z(due - timedelta(minutes=15)), "before_due": "PT15M", "pending": True},
    ]
    # The one-reminder fields: the first pending one.
    assert (task["reminder_at"], task["reminder_sent"]) == (_z(absolute), False)
    [scheduled] = outbox_envelopes(user.id, "reminder.scheduled")
    assert scheduled["payload"]["pending"] == [
        iso_millis(absolute),
        iso_millis(due - timedelta(days=1)),
        iso_millis(due - timedelta(minutes=15)),
    ]
    assert api.get(f"tasks/{task['id']}").json() == task


def test_a_reminder_before_the_due_date_moves_with_it_and_is_rescheduled(api, user):
    due = _due()
    absolute = due - timedelta(hours=30)
    created = api.post(
        "tasks",
        {
            "title": "Dentist",
            "due_date": iso(due),
            "reminders": [{"before_due": "PT1H"}, {"at": iso(absolute)}],
        },
    ).json()

    later = due + timedelta(days=2)
    moved = api.patch(f"tasks/{created['id']}", {"due_date": iso(later)}).json()

    assert moved["reminders"] == [
        {"at": _z(absolute), "before_due": None, "pending": True},  # an instant stays where it is
        {"at": _z(later - timedelta(hours=1)), "before_due": "PT1H", "pending": True},
    ]
    [update] = outbox_envelopes(user.id, "task.updated")
    assert update["payload"]["changed"] == ["due_date", "reminders"]
    # The schedule hears of the move.
    assert outbox_types(user.id).count("reminder.scheduled") == 2


def test_reminders_are_sent_one_by_one_and_reminder_at_follows_the_first_pending(api):
    due = _due()
    first, second = due - timedelta(hours=2), due - timedelta(hours=1)
    created = api.post(
        "tasks",
        {"title": "Call", "due_date": iso(due), "reminders": [{"at": iso(first)}, {"before_due": "PT1H"}]},
    ).json()

    with transaction.atomic():
        tasks_mark_reminded(reminders=[(created["id"], first)], at=datetime.now(UTC))
    task = api.get(f"tasks/{created['id']}").json()
    assert [reminder["pending"] for reminder in task["reminders"]] == [False, True]
    assert (task["reminder_at"], task["reminder_sent"]) == (_z(second), False)

    with transaction.atomic():
        tasks_mark_reminded(reminders=[(created["id"], second)], at=datetime.now(UTC))
    task = api.get(f"tasks/{created['id']}").json()
    assert [reminder["pending"] for reminder in task["reminders"]] == [False, False]
    # None pending: the last one, sent.
    assert (task["reminder_at"], task["reminder_sent"]) == (_z(second), True)


def test_a_sent_reminder_before_the_due_date_is_owed_again_when_the_due_date_moves(api):
    due = _due()
    created = api.post(
        "tasks", {"title": "Call", "due_date": iso(due), "reminders": [{"before_due": "PT1H"}]}
    ).json()
    with transaction.atomic():
        tasks_mark_reminded(reminders=[(created["id"], due - timedelta(hours=1))], at=datetime.now(UTC))

    later = due + timedelta(days=1)
    task = api.patch(f"tasks/{created['id']}", {"due_date": iso(later)}).json()

    assert task["reminders"] == [
        {"at": _z(later - timedelta(hours=1)), "before_due": "PT1H", "pending": True}
    ]
    assert task["reminder_sent"] is False


def test_a_due_date_moved_so_close_that_a_reminder_has_passed_owes_no_email_for_it(api):
    created = api.post(
        "tasks",
        {
            "title": "Call",
            "due_date": iso(_due()),
            "reminders": [{"before_due": "P1D"}, {"before_due": "PT0S"}],
        },
    ).json()

    soon = hours_ahead(2).replace(microsecond=0)
    response = api.patch(f"tasks/{created['id']}", {"due_date": iso(soon)})

    assert response.status_code == 200, response.content
    assert response.json()["reminders"] == [
        {"at": _z(soon - timedelta(days=1)), "before_due": "P1D", "pending": False},
        {"at": _z(soon), "before_due": "PT0S", "pending": True},
    ]
    assert response.json()["reminder_at"] == _z(soon)


def test_without_a_due_date_reminders_before_it_wait_for_one(api):
    due = _due()
    created = api.post(
        "tasks", {"title": "Call", "due_date": iso(due), "reminders": [{"before_due": "PT30M"}]}
    ).json()

    cleared = api.patch(f"tasks/{created['id']}", {"due_date": None}).json()
    assert cleared["reminders"] == [{"at": None, "before_due": "PT30M", "pending": False}]
    assert (cleared["reminder_at"], cleared["reminder_sent"]) == (None, False)

    again = api.patch(f"tasks/{created['id']}", {"due_date": iso(due)}).json()
    assert again["reminders"] == [
        {"at": _z(due - timedelta(minutes=30)), "before_due": "PT30M", "pending": True}
    ]


def test_reminder_at_alone_replaces_the_reminders_with_one(api, user):
    due = _due()
    created = api.post(
        "tasks",
        {
            "title": "Call",
            "due_date": iso(due),
            "reminders": [{"before_due": "PT1H"}, {"before_due": "PT5M"}],
        },
    ).json()
    instant = due - timedelta(hours=3)

    task = api.patch(f"tasks/{created['id']}", {"reminder_at": iso(instant)}).json()

    assert task["reminders"] == [{"at": _z(instant), "before_due": None, "pending": True}]
    cleared = api.patch(f"tasks/{created['id']}", {"reminder_at": None}).json()
    assert (cleared["reminders"], cleared["reminder_at"]) == ([], None)
    assert outbox_types(user.id)[-1] == "reminder.cancelled"


def test_a_task_sent_back_as_read_keeps_its_reminders_and_a_changed_reminder_at_wins(api):
    due = _due()
    created = api.post(
        "tasks",
        {"title": "Call", "due_date": iso(due), "reminders": [{"before_due": "PT1H"}, {"before_due": "P1D"}]},
    ).json()

    unchanged = api.put(f"tasks/{created['id']}", created)
    assert unchanged.status_code == 200, unchanged.json()
    assert unchanged.json() == created  # nothing changed, not even updated_at

    # A client that knows only reminder_at sends the reminders back as it read them.
    instant = due - timedelta(hours=5)
    changed = api.put(f"tasks/{created['id']}", {**created, "reminder_at": iso(instant)}).json()
    assert changed["reminders"] == [{"at": _z(instant), "before_due": None, "pending": True}]


def test_several_reminders_in_a_patch_replace_the_old_ones(api):
    due = _due()
    created = api.post("tasks", {"title": "Call", "due_date": iso(due), "reminder_offset_hours": 1}).json()

    task = api.patch(
        f"tasks/{created['id']}", {"reminders": [{"before_due": "PT10M"}, {"before_due": "PT2H30M"}]}
    ).json()

    assert [reminder["before_due"] for reminder in task["reminders"]] == ["PT2H30M", "PT10M"]
    assert Task.objects.get(pk=created["id"]).reminder_at == due - timedelta(hours=2, minutes=30)


@pytest.mark.parametrize(
    ("reminders", "details"),
    [
        ([{}], {"0": {"at": ["Give at or before_due."]}}),
        ([{"at": None, "before_due": None}], {"0": {"at": ["Give at or before_due."]}}),
        (
            [{"before_due": "1 day"}],
            {"0": {"before_due": [DURATION_INVALID]}},
        ),
        ([{"before_due": "P1Y"}], None),  # years have no fixed length
        ([{"before_due": "PT"}], None),
        ([{"before_due": 900}], None),
        ([{"before_due": "P367D"}], {"0": {"before_due": ["At most 366 days before the due date."]}}),
        ([{"at": "2030-01-01T09:00:00"}], None),  # naive
        ([{"before_due": "PT1H"}, {"before_due": "PT60M"}], ["Two reminders fall at the same instant."]),
        ([{"at": "2020-01-01T09:00:00Z"}], ["The reminder time has already passed."]),
        (
            [{"before_due": f"PT{n + 1}M"} for n in range(11)],
            ["Ensure this field has no more than 10 elements."],
        ),
        ("PT15M", None),
    ],
)
def test_bad_reminders_are_a_400_naming_the_reminder(api, reminders, details):
    response = api.post("tasks", {"title": "Call", "due_date": iso(_due()), "reminders": reminders})

    assert response.status_code == 400, response.content
    [field] = response.json()["error"]["details"]
    assert field == "reminders"
    if details is not None:
        assert response.json()["error"]["details"]["reminders"] == details
    assert Task.objects.count() == 0


def test_a_reminder_before_the_due_date_needs_a_due_date(api):
    response = api.post("tasks", {"title": "Call", "reminders": [{"before_due": "PT15M"}]})

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "reminders": ["A reminder before the due date needs a due_date."]
    }


def test_reminder_at_beside_reminders_must_be_one_of_their_instants(api):
    due = _due()
    body = {
        "title": "Call",
        "due_date": iso(due),
        "reminders": [{"before_due": "PT1H"}],
        "reminder_at": iso(due - timedelta(hours=2)),
    }
    response = api.post("tasks", body)
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "reminder_at": ["With reminders, reminder_at must be one of their instants."]
    }

    body["reminder_at"] = iso(due - timedelta(hours=1))
    assert api.post("tasks", body).status_code == 201
