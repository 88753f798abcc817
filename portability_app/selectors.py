"""Reads for the export: the caller's tasks as plain rows, streamed from a server-side cursor."""

from collections.abc import Iterator
from typing import Any

from tasks_app.models import Task
from tasks_app.outputs import TASK_OUTPUT_FIELDS
from tasks_app.reminders import reminders_output

# Rows fetched per round trip of the cursor: memory is bounded by this, never by the number of tasks.
EXPORT_CHUNK_ROWS = 2000

# A record: the task's id and its series' first task, then the fields the API shows, in its order (less the
# owner: the document is one user's).
_COLUMNS = (
    "id",
    "parent_task_id",
    *(name for name in TASK_OUTPUT_FIELDS if name not in {"id", "user_id", "parent_task_id"}),
)


def export_records(*, user_id: str) -> Iterator[dict[str, Any]]:
    """Every task of the user (open and completed) as a record of the document, oldest id first.

    A series' first task was created before its occurrences, so it comes before them: `series` always
    names an earlier record, which lets the import link a series in one pass.
    """
    rows = (
        Task.objects.filter(user_id=user_id)
        .order_by("id")
        .values_list(*_COLUMNS, named=False)
        .iterator(chunk_size=EXPORT_CHUNK_ROWS)
    )
    for row in rows:
        record = {"id": row[0], "series": row[1], **dict(zip(_COLUMNS[2:], row[2:], strict=True))}
        # As the API shows them: each reminder's instant, its offset before the due date, whether pending.
        record["reminders"] = reminders_output(record["reminders"], record["due_date"])
        yield record
