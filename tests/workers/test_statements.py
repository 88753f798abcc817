"""Statements compiled once and bound per run (workers/postgresql/statements.py), on the task list: a page run
through one gives what the ORM's query gives, for every filter and sort, for each user and each time, and the
cached statement holds none of the values it is run with."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.paginator import EmptyPage

from tasks_app import selectors
from tasks_app.outputs import TASK_OUTPUT_FIELDS
from tests.support.factories import TaskFactory, UserProfileFactory
from workers.http.serializers import CountingPaginator
from workers.postgresql import statements

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def two_users() -> list[Any]:
    """Two users with tasks that differ in every filtered and sorted column, reminders included."""
    users = [UserProfileFactory(), UserProfileFactory()]
    for number, user in enumerate(users):
        for offset in range(6):
            at = NOW - timedelta(hours=20 - offset - number)
            TaskFactory(
                user=user,
                title=f"{'Apple' if offset % 2 else 'pear'} {number}-{offset}",
                description="ripe APPLES" if offset == 3 else "",
                priority=("low", "medium", "high")[offset % 3],
                tags=[["work"], ["home"], ["work", "home"], []][offset % 4],
                due_date=None if offset == 2 else NOW + timedelta(days=offset - 3 + number),
                reminders=[{"before_due": 1800}] if offset == 4 else [],
                completed=offset == 5,
                completed_at=NOW if offset == 5 else None,
                created_at=at,
                updated_at=at + timedelta(hours=6 - offset),
            )
    return users


FILTERS = [
    selectors.TaskFilters(),
    selectors.TaskFilters(completed=False, priority="high"),
    selectors.TaskFilters(tags=("work",), sort="-due_date"),
    selectors.TaskFilters(tags=("work", "home"), sort="due_date"),
    selectors.TaskFilters(search="apple", sort="title"),
    selectors.TaskFilters(search="50%_\\", sort="-title"),  # LIKE's special characters are plain text
    selectors.TaskFilters(overdue=True, sort="priority"),
    selectors.TaskFilters(overdue=False, sort="-priority"),
    selectors.TaskFilters(due_before=NOW, due_after=NOW - timedelta(days=5), sort="-updated_at"),
]


def page(rows: Any, number: int, size: int) -> tuple[list[dict[str, Any]], int]:
    paginator = CountingPaginator(rows, size)
    return list(paginator.page(number).object_list), paginator.count


@pytest.mark.parametrize("filters", FILTERS, ids=lambda filters: repr(filters)[12:-1] or "none")
def test_a_prepared_page_is_the_orms_page_for_each_user_and_time(two_users, filters):
    for user in two_users:
        for now in (NOW, NOW + timedelta(days=2)):  # a task becomes overdue in between
            orm = selectors.task_list(user_id=user.id, filters=filters, now=now).values(*TASK_OUTPUT_FIELDS)
            prepared = selectors.task_list_prepared(
                user_id=user.id, filters=filters, now=now, fields=TASK_OUTPUT_FIELDS
            )
            for number in (1, 2):
                try:
                    expected = page(orm, number, 2)
                except EmptyPage:
                    with pytest.raises(EmptyPage):
                        page(prepared, number, 2)
                    continue
                assert page(prepared, number, 2) == expected
                assert {row["user_id"] for row in expected[0]} <= {user.id}


def test_one_statement_serves_every_user_with_their_own_rows(two_users):
    compiled_before = statements._cache.compiled
    pages = {}
    for user in two_users:
        prepared = selectors.task_list_prepared(
            user_id=user.id, filters=selectors.TaskFilters(priority="low"), now=NOW, fields=TASK_OUTPUT_FIELDS
        )
        pages[user.id] = page(prepared, 1, 49)
    assert statements._cache.compiled - compiled_before <= 1  # none if an earlier test made it
    for user in two_users:
        rows, count = pages[user.id]
        assert count == 2
        assert {row["user_id"] for row in rows} == {user.id}


def test_the_cached_statement_holds_no_value_it_was_run_with(two_users):
    first, _ = two_users
    filters = selectors.TaskFilters(overdue=True, tags=("work",))
    prepared = selectors.task_list_prepared(user_id=first.id, filters=filters, now=NOW, fields=("id",))
    page(prepared, 1, 2)

    def compiled_again() -> Any:
        raise AssertionError("the page's statement was not kept")

    statement = statements.statement((prepared.key, 0, 2), compiled_again)  # the page's window: 0, 2 rows
    assert first.id not in statement.sql
    assert first.id not in statement.params
    assert NOW not in statement.params
    assert "work" in statement.params  # a filter's value is part of the key, so it may be part of the SQL
    assert sorted(param.name for param in statement.params if isinstance(param, statements._Slot)) == [
        "now",
        "now",
        "user_id",
        "user_id",
    ]  # each twice: the page's rows and its count


def test_rows_are_converted_as_the_orm_converts_them(two_users):
    """The JSON column arrives as Python data, not as its text, as from `values()`."""
    first, _ = two_users
    prepared = selectors.task_list_prepared(
        user_id=first.id, filters=selectors.TaskFilters(), now=NOW, fields=("id", "reminders")
    )
    rows, _ = page(prepared, 1, 50)
    assert {"before_due": 1800} in [reminder for row in rows for reminder in row["reminders"]]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda filters: repr(filters)[12:-1] or "none")
def test_the_statement_is_the_orms_sql_so_its_plans_are_the_same(two_users, filters):
    """The ORM's statement with its values, but for the parentheses the ORM puts around a placeholder: the
    indexes tests/tasks_app/test_task_list_indexes.py holds the list to serve the statement alike."""
    first, _ = two_users
    prepared = selectors.task_list_prepared(user_id=first.id, filters=filters, now=NOW, fields=("id",))
    paginator = CountingPaginator(prepared, 2)  # type: ignore[arg-type]  # a Prepared list, not a sequence
    paginator.page(1)
    statement = statements.statement((prepared.key, 0, 2), lambda: pytest.fail("not kept"))
    sql, params = paginator._window(prepared.queryset(), 0).query.sql_with_params()
    assert statement.sql.replace("= (%s)", "= %s").replace("< (%s)", "< %s") == sql
    bound = [
        prepared.values[param.name] if isinstance(param, statements._Slot) else param
        for param in statement.params
    ]
    assert bound == list(params)


def test_the_least_recently_used_statement_goes_first_when_the_cache_is_full(two_users, monkeypatch):
    monkeypatch.setattr(statements, "_cache", statements._Cache(size=2))
    first, _ = two_users
    shapes = [selectors.TaskFilters(priority=priority) for priority in ("low", "medium", "high")]
    for filters in (shapes[0], shapes[1], shapes[0], shapes[2], shapes[0]):
        prepared = selectors.task_list_prepared(user_id=first.id, filters=filters, now=NOW, fields=("id",))
        page(prepared, 1, 50)
    assert statements._cache.compiled == 3  # low, medium, high; low kept in use, medium pushed out
    prepared = selectors.task_list_prepared(user_id=first.id, filters=shapes[1], now=NOW, fields=("id",))
    page(prepared, 1, 50)
    assert statements._cache.compiled == 4
