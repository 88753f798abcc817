"""The task list's queries and its indexes agree: the index hands the rows over in the query's order.

A table this small is read without an index, so the planner is told to avoid anything else (sequential and
bitmap scans, and sorting, which it then uses only when no index yields the order). A plan that still sorts,
or reads another index, means the query's ORDER BY or WHERE no longer matches the index (docs/operations.md,
"Indexes of the task list"); the figures at scale come from bench/api_scale.py.

Where two indexes could both hand the rows over in order (the general one, filtering as it reads), their
estimated costs on a few rows are a tie that the table's statistics break either way: the general index is
dropped for that query, inside the test's transaction, so the index under test is the only one left to
choose, and the plan still has no Sort only if it yields the order.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection

from tasks_app.selectors import TaskFilters, task_list
from tests.support.factories import TaskFactory

pytestmark = pytest.mark.django_db


def plan(filters: TaskFilters, user_id: str, *, without: tuple[str, ...]) -> str:
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")  # the test's transaction ends them
        for index in without:
            cursor.execute(f"DROP INDEX {index}")  # and rolls this back
    return task_list(user_id=user_id, filters=filters, now=datetime.now(tz=UTC))[:50].explain()


@pytest.mark.parametrize(
    ("filters", "index", "without"),
    [
        (TaskFilters(), "tasks_user_created_idx", ()),
        (TaskFilters(sort="created_at"), "tasks_user_created_idx", ()),  # the same index, read backwards
        (
            TaskFilters(completed=False, priority="high", tags=("work",)),
            "tasks_user_open_priority_idx",
            ("tasks_user_created_idx",),
        ),
    ],
)
def test_the_index_yields_the_rows_in_the_lists_order(user, filters, index, without):
    TaskFactory.create_batch(3, user=user, priority="high", tags=["work"])
    explained = plan(filters, user.id, without=without)
    assert index in explained, explained
    assert "Sort" not in explained, explained
