"""The task as the API shows it, built as plain data: TaskOutputSerializer's shape at a fraction of its cost.

DRF's serializer walks 20 field objects per task (about half the CPU of a list of 50, bench/api.py); this
builds the same dict directly. A page of a list goes further: its rows are encoded to JSON once, by orjson,
which writes their instants in C (building and encoding a page of 50 took a quarter of its request's CPU
with seven instants a task formatted in Python). TaskOutputSerializer stays what documents the shape in
the OpenAPI schema, and tests/tasks_app/test_outputs.py holds the three to the same bytes.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from tasks_app.models import Task
from tasks_app.reminders import reminders_output

# The columns a representation reads, in the order of the representation's keys (a `values()` query asks
# for just these).
TASK_OUTPUT_FIELDS = (
    "id",
    "user_id",
    "title",
    "description",
    "completed",
    "completed_at",
    "skipped",
    "priority",
    "tags",
    "due_date",
    "timezone",
    "recurring_pattern",
    "recurring_end_date",
    "recurrence_anchor",
    "next_occurrence",
    "parent_task_id",
    "reminder_at",
    "reminder_sent",
    "reminders",
    "created_at",
    "updated_at",
)


def _instant(value: datetime | None) -> str | None:
    """An instant in UTC (`_with_instants`) as AwareDateTimeField shows it: ISO 8601 with a `Z`, microseconds
    when there are any."""
    return None if value is None else value.isoformat()[:-6] + "Z"  # in place of its "+00:00"


_INSTANTS = frozenset(
    (
        "completed_at",
        "due_date",
        "recurring_end_date",
        "next_occurrence",
        "reminder_at",
        "created_at",
        "updated_at",
    )
)


def _with_instants(row: Mapping[str, Any]) -> dict[str, Any]:
    """task_row_output's dict with the instants left as datetimes in UTC, for orjson to write."""
    task = {name: row[name] for name in TASK_OUTPUT_FIELDS}
    for name in _INSTANTS:
        value = task[name]
        if value is not None and value.tzinfo is not UTC:
            task[name] = value.astimezone(UTC)
    task["reminders"] = reminders_output(row["reminders"], row["due_date"])
    return task


def task_row_output(row: Mapping[str, Any]) -> dict[str, Any]:
    """A task's representation from its columns: a row of `values(*TASK_OUTPUT_FIELDS)`, or a model's
    attributes (`vars(task)`)."""
    task = _with_instants(row)
    for name in _INSTANTS:
        task[name] = _instant(task[name])
    task["tags"] = list(task["tags"])  # not the model's own list
    return task


def task_output(task: Task) -> dict[str, Any]:
    """A task's representation, as TaskOutputSerializer(task).data."""
    # A model's instance dict holds its concrete fields by attribute name (`user_id`, `parent_task_id`).
    return task_row_output(vars(task))


def task_rows_output(rows: Iterable[Mapping[str, Any]]) -> orjson.Fragment | list[dict[str, Any]]:
    """The representations of a page of tasks (rows of `values(*TASK_OUTPUT_FIELDS)`), as JSON written once
    for the page (the renderer puts the fragment in place, workers/http/renderers.py).

    orjson writes an instant in UTC as AwareDateTimeField does (ISO 8601, `Z`, microseconds when there are
    any); each instant is put in UTC first (the database's are already). Text orjson refuses (a lone
    surrogate, which PostgreSQL never returns) leaves the page as plain data, for the renderer to fail on
    as DRF does."""
    rows = list(rows)
    try:
        return orjson.Fragment(orjson.dumps([_with_instants(row) for row in rows], option=orjson.OPT_UTC_Z))
    except orjson.JSONEncodeError:
        return [task_row_output(row) for row in rows]
