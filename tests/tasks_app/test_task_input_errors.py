"""Mistakes a caller can make are answered with a 4xx in the one error shape, never a 500."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tasks_app import selectors, services
from tasks_app.models import Task
from tests.support.factories import TaskFactory
from tests.support.times import hours_ahead, iso

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(user):
    """A recurring root with two occurrences, due one day apart."""
    due = hours_ahead(24)
    root = TaskFactory(user=user, title="Water plants", recurring_pattern="FREQ=DAILY", due_date=due)
    first = TaskFactory(user=user, title="Water plants", parent_task=root, due_date=due + timedelta(days=1))
    second = TaskFactory(user=user, title="Water plants", parent_task=root, due_date=due + timedelta(days=2))
    return root, first, second


# --- An occurrence moved onto a sibling's due date -------------------------------------------------
@pytest.mark.parametrize("method", ["patch", "put"])
def test_moving_an_occurrence_onto_a_siblings_due_date_is_409(api, series, method):
    _root, first, second = series
    body = {"title": "Water plants", "due_date": iso(second.due_date)}

    response = getattr(api, method)(f"tasks/{first.id}", body)

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "due_date_taken"
    assert "Another occurrence of this series is already due" in error["message"]
    first.refresh_from_db()
    assert first.due_date == second.due_date - timedelta(days=1)


def test_an_occurrence_may_move_to_a_free_due_date_or_keep_its_own(api, series):
    _root, first, second = series
    assert api.patch(f"tasks/{first.id}", {"due_date": iso(first.due_date)}).status_code == 200
    free = second.due_date + timedelta(hours=1)
    assert api.patch(f"tasks/{first.id}", {"due_date": iso(free)}).status_code == 200


def test_a_concurrent_move_caught_by_the_constraint_is_the_same_error(series, monkeypatch):
    """The constraint is the last word when the read-ahead check could not see the sibling."""
    _root, first, second = series
    monkeypatch.setattr(selectors, "occurrence_due_exists", lambda **kwargs: False)

    with pytest.raises(services.DueDateTakenError):
        services.task_update(task=first, changes={"due_date": second.due_date}, at=datetime.now(tz=UTC))


# --- Titles are one line ---------------------------------------------------------------------------
NOT_ONE_LINE = [
    "Buy\nmilk",
    "Buy milk\n",
    "Buy\r\nmilk",
    "Buy\tmilk",
    "Buy\x00milk",
    "Buy\x7fmilk",
    "a\u2028b",
]


@pytest.mark.parametrize("title", NOT_ONE_LINE)
def test_create_refuses_a_title_that_is_not_one_line(api, user, title):
    response = api.post("tasks", {"title": title})

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["details"]) == ["title"]
    assert not Task.objects.filter(user=user).exists()


@pytest.mark.parametrize("method", ["patch", "put"])
def test_updates_refuse_a_title_that_is_not_one_line(api, user, method):
    task = TaskFactory(user=user, title="Buy milk")

    response = getattr(api, method)(f"tasks/{task.id}", {"title": "Buy\nmilk"})

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["details"]) == ["title"]
    task.refresh_from_db()
    assert task.title == "Buy milk"


# --- Text is text ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [("title", 42), ("description", 1.5), ("tags", ["work", 7]), ("recurring_pattern", 1)],
)
def test_a_number_where_the_schema_says_string_is_refused_not_turned_into_text(api, user, field, value):
    response = api.post("tasks", {"title": "Shopping", field: value})

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["details"]) == [field]
    assert not Task.objects.filter(user=user).exists()


def test_a_description_keeps_its_lines(api):
    response = api.post("tasks", {"title": "Shopping", "description": "milk\neggs\n\tbread"})

    assert response.status_code == 201, response.content
    assert response.json()["description"] == "milk\neggs\n\tbread"


def test_the_schema_documents_the_title_rule(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    title = schema["components"]["schemas"]["TaskInput"]["properties"]["title"]
    pattern = re.compile(title["pattern"])  # ECMA 262; fullmatch: Python's $ also matches before a final \n
    assert pattern.fullmatch("Buy milk")
    assert not any(pattern.fullmatch(text) for text in [*NOT_ONE_LINE, "", "   "])


# --- A task read back unchanged ---------------------------------------------------------------------
@pytest.fixture
def passed_reminder(api, user):
    """A task whose reminder has passed since it was set."""
    task = TaskFactory(
        user=user, title="Call Ann", due_date=hours_ahead(1), reminder_at=hours_ahead(-1), reminder_sent=True
    )
    return api.get(f"tasks/{task.id}").json()


def test_put_of_a_task_as_get_returned_it_succeeds_after_its_reminder_passed(api, passed_reminder):
    response = api.put(f"tasks/{passed_reminder['id']}", passed_reminder)

    assert response.status_code == 200, response.content
    assert response.json() == passed_reminder  # nothing changed, not even updated_at


def test_patch_of_the_unchanged_passed_reminder_succeeds(api, passed_reminder):
    body = {"title": "Call Ann today", "reminder_at": passed_reminder["reminder_at"]}
    response = api.patch(f"tasks/{passed_reminder['id']}", body)

    assert response.status_code == 200, response.content
    assert response.json()["reminder_sent"] is True


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_changed_reminder_must_still_lie_ahead(api, passed_reminder, method):
    body = {**passed_reminder, "reminder_at": iso(hours_ahead(-2))}

    response = getattr(api, method)(f"tasks/{passed_reminder['id']}", body)

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"reminder_at": ["The reminder time has already passed."]}
