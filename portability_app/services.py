"""Import: the tasks of an export document created in the caller's account, through the task services.

Every task is created by `tasks_app.services.task_create`, so it writes `task.created` (and
`reminder.scheduled`, for its pending reminders) to the outbox exactly as `POST /tasks` does; a reminder
the file says was sent, or whose moment has passed, is created done. What the create service cannot take (a
completion, the original creation time, a completed series' next occurrence) is
then applied to the batch in one round trip with one `task.updated` per task naming those fields. No
`task.completed` is written and no occurrence is owed (`next_occurrence_owed_since` stays empty): a
completion in the file is history, whose next occurrence is already in the file (or was never made), so the
recurrence worker and its sweep never see it. docs/export.md has the whole contract.

The whole import is one transaction, written in batches: any invalid item, found however late in the
stream, leaves the account as it was, and an `Idempotency-Key` is stored with the tasks it created.
"""

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from tasks_app import events
from tasks_app.models import Task, UserProfile
from tasks_app.reminders import ReminderSpec
from tasks_app.services import ONE_OCCURRENCE_PER_DUE_DATE, task_create
from workers.postgresql import statements

IMPORT_BATCH = 500
# An invalid document reports this many problems at most: enough to fix a file, bounded for a huge one.
MAX_REPORTED_ERRORS = 20

# Set on the new task when the file says so: the batch's tasks in one round trip (statements.update_many).
_STATE_FIELDS = ("completed", "completed_at", "skipped", "next_occurrence", "created_at")


@dataclass(frozen=True)
class Record:
    """A task of the document, validated (TaskRecordSerializer's data), at its index in `tasks`."""

    index: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Invalid:
    """What is wrong with the item at `index`, or with the header (`index` None): `{field: [messages]}`."""

    index: int | None
    errors: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    imported: int
    series: int


class ImportInvalidError(Exception):
    """The document cannot be imported; `errors` is the error response's `details`."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("invalid export document")
        self.errors = errors


def _constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)  # psycopg's details of the failed statement
    return getattr(diag, "constraint_name", None)


class _FileTasks:
    """What the import remembers of each task of the file, by position (the order it came in): its file id,
    the position of its series' first task (its own when it starts none) and, for a first task once it is
    written, its new id. Three arrays of 8-byte integers (about 2.4 MB per 100,000 tasks) rather than dicts
    of int objects (about 16 MB); an export's ids ascend, so a file id is found by bisection, and a file whose
    ids do not ascend gets a dict from file id to position as well."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.roots = array("q")
        self.new_ids = array("q")
        self.positions: dict[int, int] | None = None  # only once the ids stop ascending

    def find(self, file_id: int) -> int | None:
        if self.positions is not None:
            return self.positions.get(file_id)
        position = bisect_left(self.ids, file_id)
        return position if position < len(self.ids) and self.ids[position] == file_id else None

    def add(self, file_id: int, *, series_position: int | None) -> int:
        position = len(self.ids)
        if self.positions is None and self.ids and file_id < self.ids[-1]:
            self.positions = {known: index for index, known in enumerate(self.ids)}
        if self.positions is not None:
            self.positions[file_id] = position
        self.ids.append(file_id)
        self.roots.append(position if series_position is None else self.roots[series_position])
        self.new_ids.append(0)
        return position


class _Import:
    def __init__(self, *, user: UserProfile, at: datetime) -> None:
        self.user = user
        self.at = at
        self.file = _FileTasks()
        self.pending: list[tuple[int, Record]] = []  # (position in the file, record)
        self.errors: dict[str, Any] = {}
        self.error_count = 0
        self.imported = 0
        self.linked = 0

    def fail(self, index: int | None, errors: dict[str, Any]) -> None:
        self.error_count += 1
        if index is None:
            self.errors.update(errors)
        else:
            self.errors.setdefault("tasks", {})[str(index)] = errors
        self.pending.clear()  # nothing more is written: the transaction rolls back anyway

    @property
    def done(self) -> bool:
        return self.error_count >= MAX_REPORTED_ERRORS

    def add(self, record: Record) -> None:
        file_id, series = record.data["id"], record.data["series"]
        if self.file.find(file_id) is not None:
            self.fail(record.index, {"id": ["Another task of the file has this id."]})
            return
        series_position = None if series is None else self.file.find(series)
        if series is not None and series_position is None:
            self.fail(record.index, {"series": [f"No earlier task of the file has the id {series}."]})
            return
        position = self.file.add(file_id, series_position=series_position)
        if self.error_count:
            return  # still checking the rest, writing nothing
        self.pending.append((position, record))
        if len(self.pending) >= IMPORT_BATCH:
            self.flush()

    def flush(self) -> None:
        created: list[tuple[Task, dict[str, Any]]] = []
        for position, record in self.pending:
            task = self._create(position, record)
            if task is None:
                return
            created.append((task, record.data))
        self.pending.clear()
        self._apply_state(created)

    def _create(self, position: int, record: Record) -> Task | None:
        data = record.data
        root = self.file.roots[position]
        parent: Task | None = None
        if root != position:
            # Only the key is needed to link the new task: a stand-in, not a query per occurrence.
            parent = Task(pk=self.file.new_ids[root], user=self.user)
        reminders = _record_reminders(data)
        try:
            task = task_create(
                user=self.user,
                title=data["title"],
                description=data["description"],
                priority=data["priority"],
                tags=data["tags"],
                due_date=data["due_date"],
                timezone=data.get("timezone"),
                recurring_pattern=data["recurring_pattern"],
                recurring_end_date=data["recurring_end_date"],
                recurrence_anchor=data["recurrence_anchor"],
                reminders=[spec for spec, _ in reminders],
                # No email for a moment that has passed: such a reminder counts as sent.
                reminders_done={
                    instant
                    for spec, pending in reminders
                    if (instant := spec.instant(data["due_date"])) is not None
                    and (not pending or instant <= self.at)
                },
                parent_task=parent,
                at=self.at,
            )
        except IntegrityError as error:  # the import goes on checking, with no query: it all rolls back
            if _constraint(error) != ONE_OCCURRENCE_PER_DUE_DATE:
                raise
            self.fail(
                record.index, {"due_date": ["Another occurrence of this series is due at this instant."]}
            )
            return None
        if root == position:
            self.file.new_ids[position] = task.pk
        else:
            self.linked += 1
        self.imported += 1
        return task

    def _apply_state(self, created: list[tuple[Task, dict[str, Any]]]) -> None:
        """The state task_create cannot take, as the file has it: one round trip of updates, a `task.updated`
        each."""
        by_change: dict[tuple[str, ...], list[Task]] = defaultdict(list)
        for task, data in created:
            wanted = {
                "completed": data["completed"],
                "completed_at": data["completed_at"],
                "skipped": data["skipped"],
                # A completed series' record of its next occurrence; never a debt (see the module's doc).
                "next_occurrence": data["next_occurrence"] if data["recurring_pattern"] else None,
                "created_at": data["created_at"],
            }
            changed = tuple(name for name in _STATE_FIELDS if getattr(task, name) != wanted[name])
            for name in changed:
                setattr(task, name, wanted[name])
            if changed:
                by_change[changed].append(task)
        changed_tasks = [task for tasks in by_change.values() for task in tasks]
        statements.update_many(changed_tasks, fields=_STATE_FIELDS)
        for changed, tasks in by_change.items():
            events.emit_tasks_updated(tasks=tasks, changed=list(changed), at=self.at)


def _record_reminders(data: dict[str, Any]) -> list[tuple[ReminderSpec, bool]]:
    """A record's reminders and whether each is pending; from `reminder_at` in files written before."""
    if data["reminders"] is not None:
        return list(data["reminders"])
    if data["reminder_at"] is None:
        return []
    return [(ReminderSpec(at=data["reminder_at"]), not data["reminder_sent"])]


@transaction.atomic
def tasks_import(*, user: UserProfile, records: Iterable[Record | Invalid], at: datetime) -> ImportResult:
    """Create the records' tasks in `user`'s account, in batches of `IMPORT_BATCH`, in one transaction.

    `records` come in the document's order (a header problem may come last). Raises ImportInvalidError,
    writing nothing, when any record is invalid, has an `id` used before, names in `series` no earlier
    record, or would put two occurrences of one series at one due date.
    """
    run = _Import(user=user, at=at)
    for record in records:
        if isinstance(record, Invalid):
            run.fail(record.index, record.errors)
        else:
            run.add(record)
        if run.done:
            break
    if not run.error_count:
        run.flush()
    if run.error_count:
        raise ImportInvalidError(run.errors)
    return ImportResult(imported=run.imported, series=run.linked)
