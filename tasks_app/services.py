"""Writes: users from token claims, and tasks with their events in one transaction (the outbox)."""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction

from tasks_app import events, selectors
from tasks_app import reminders as task_reminders
from tasks_app.models import Priority, RecurrenceAnchor, Task, UserProfile
from tasks_app.reminders import ReminderSpec
from tasks_app.timezones import is_valid_timezone
from workers.postgresql import statements

# The unique (parent_task, due_date) constraint of tasks: a series has one occurrence per due date.
ONE_OCCURRENCE_PER_DUE_DATE = "tasks_one_occurrence_per_due_date"

# Claims change rarely; re-reading the users table on every request is wasted work.
USER_SYNC_CACHE_SECONDS = 300

WRITABLE_FIELDS = (
    "title",
    "description",
    "priority",
    "tags",
    "due_date",
    "timezone",
    "recurring_pattern",
    "recurring_end_date",
    "recurrence_anchor",
    "reminders",  # a list of ReminderSpec; reminder_at and reminder_sent follow from it
)


class NotSkippableError(Exception):
    """Only an open occurrence of a series can be skipped; the message says what this task is instead."""


class DueDateTakenError(Exception):
    """Another occurrence of the task's series is already due at that instant."""

    def __init__(self, due_date: datetime) -> None:
        super().__init__(f"Another occurrence of this series is already due at {due_date.isoformat()}.")
        self.due_date = due_date


def _violates(error: IntegrityError, constraint: str) -> bool:
    diag = getattr(error.__cause__, "diag", None)  # psycopg's details of the failed statement
    return getattr(diag, "constraint_name", None) == constraint


def _claim_text(claims: Mapping[str, Any], name: str, max_length: int) -> str:
    value = claims.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else ""


def _claim_email(claims: Mapping[str, Any]) -> str:
    email = _claim_text(claims, "email", 320)
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def user_sync_from_claims(*, claims: Mapping[str, Any]) -> None:
    """Create or refresh the caller's row from the token's claims; a no-op while nothing changed.

    A claim the token does not carry leaves the stored value alone (some tokens carry only `sub`).
    """
    user_id: str = claims["sub"]
    known = {
        name: value
        for name, value in (("email", _claim_email(claims)), ("name", _claim_text(claims, "name", 255)))
        if name in claims
    }
    fingerprint = hashlib.sha256(repr((user_id, sorted(known.items()))).encode()).hexdigest()
    cache_key = f"user-sync:{fingerprint}"
    if cache.get(cache_key):
        return
    zone = _claim_text(claims, "zoneinfo", 64)  # OIDC's standard claim for the user's time zone
    _user_upsert(user_id=user_id, known=known, timezone=zone if is_valid_timezone(zone) else "UTC")
    cache.set(cache_key, True, USER_SYNC_CACHE_SECONDS)


# Inserts the user when missing; otherwise rewrites the claims the token carries (`has_*`) when they differ
# from the stored ones. The UPDATE does not see a row the INSERT just made (one snapshot), and moves, so
# locks, an existing row only when a claim changed.
_USER_UPSERT = """
    WITH inserted AS (
        INSERT INTO users (id, email, name, timezone) VALUES (%(id)s, %(email)s, %(name)s, %(timezone)s)
        ON CONFLICT (id) DO NOTHING
    )
    UPDATE users
    SET email = CASE WHEN %(has_email)s THEN %(email)s ELSE email END,
        name = CASE WHEN %(has_name)s THEN %(name)s ELSE name END,
        updated_at = now()
    WHERE id = %(id)s
        AND ((%(has_email)s AND email <> %(email)s) OR (%(has_name)s AND name <> %(name)s))
"""


def _user_upsert(*, user_id: str, known: Mapping[str, str], timezone: str) -> None:
    """The user's row as the token says, in one statement whatever its state (the ORM would read it first:
    this runs on each user's first request to each web process)."""
    params: dict[str, str | bool] = {
        "id": user_id,
        "email": known.get("email", ""),
        "name": known.get("name", ""),
        "has_email": "email" in known,
        "has_name": "name" in known,
        "timezone": timezone,
    }
    with connection.cursor() as cursor:
        cursor.execute(_USER_UPSERT, params)


def user_profile_update(*, user: UserProfile, timezone: str, at: datetime) -> UserProfile:
    user.timezone = timezone
    user.updated_at = at
    user.save(update_fields=["timezone", "updated_at"])
    return user


@transaction.atomic(savepoint=False)  # the API's create runs it inside its idempotency transaction
def task_create(
    *,
    user: UserProfile,
    title: str,
    at: datetime,
    description: str = "",
    priority: str = Priority.MEDIUM,
    tags: list[str] | None = None,
    due_date: datetime | None = None,
    timezone: str | None = None,
    recurring_pattern: str | None = None,
    recurring_end_date: datetime | None = None,
    recurrence_anchor: str = RecurrenceAnchor.DUE,
    reminders: Sequence[ReminderSpec] = (),
    reminders_done: Iterable[datetime] = (),
    parent_task: Task | None = None,
) -> Task:
    """Insert a task and its `task.created` (and `reminder.scheduled`) events in one transaction.

    A reminder falling at an instant in `reminders_done` is done already (sent, or passed). Inside a caller's
    transaction it takes no savepoint (two round trips a create): after its IntegrityError the caller's
    transaction can only roll back (the import queries nothing more); a caller that must go on puts it in
    an `atomic()` of its own.
    """
    stored = task_reminders.store(reminders, due_date=due_date, done=reminders_done)
    task = Task(
        user=user,
        title=title,
        description=description,
        priority=priority,
        tags=tags or [],
        due_date=due_date,
        timezone=timezone or user.timezone,
        recurring_pattern=recurring_pattern,
        recurring_end_date=recurring_end_date,
        recurrence_anchor=recurrence_anchor,
        reminders=stored.reminders,
        reminder_at=stored.reminder_at,
        reminder_sent=stored.reminder_sent,
        parent_task=parent_task,
        created_at=at,
        updated_at=at,
    )
    statements.insert(task)  # Task.objects.create's INSERT, compiled once
    events.emit_tasks_created(tasks=[task], at=at)
    return task


@dataclass(frozen=True)
class NextOccurrence:
    """The task that follows `previous` in its series (whose first task is `root`): a copy of it due at
    `due_date`, with its reminders carried over (`reminders`; those falling at an instant in `reminders_done`
    are done already: their moment passed before the occurrence existed)."""

    previous: Task
    root: Task
    due_date: datetime
    reminders: Sequence[ReminderSpec] = ()
    reminders_done: frozenset[datetime] = frozenset()


@transaction.atomic(savepoint=False)  # the recurrence worker's hot path: its transaction, no savepoint
def occurrences_create(*, occurrences: Sequence[NextOccurrence], at: datetime) -> list[Task]:
    """Insert the next occurrences of series and their `task.created` (and `reminder.scheduled`) events: one
    insert of tasks and one of events, however many (the recurrence worker's batches)."""
    tasks = []
    for occurrence in occurrences:
        previous = occurrence.previous
        stored = task_reminders.store(
            occurrence.reminders, due_date=occurrence.due_date, done=occurrence.reminders_done
        )
        tasks.append(
            Task(
                user_id=previous.user_id,
                title=previous.title,
                description=previous.description,
                priority=previous.priority,
                tags=list(previous.tags),
                due_date=occurrence.due_date,
                timezone=previous.timezone,
                recurring_pattern=previous.recurring_pattern,
                recurring_end_date=previous.recurring_end_date,
                recurrence_anchor=previous.recurrence_anchor,
                reminders=stored.reminders,
                reminder_at=stored.reminder_at,
                reminder_sent=stored.reminder_sent,
                parent_task=occurrence.root,
                created_at=at,
                updated_at=at,
            )
        )
    Task.objects.bulk_create(tasks)
    events.emit_tasks_created(tasks=tasks, at=at)
    return tasks


@transaction.atomic
def task_update(*, task: Task, changes: Mapping[str, Any], at: datetime) -> Task:
    """Apply changes to writable fields; emit `task.updated` and reminder events for what really changed.

    Raises DueDateTakenError when an occurrence would move onto the due date of another one of its series.
    """
    unknown = set(changes) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not writable: {', '.join(sorted(unknown))}")
    task = selectors.task_locked(task_id=task.pk)
    changed = [
        name
        for name in WRITABLE_FIELDS
        if name in changes and name != "reminders" and getattr(task, name) != changes[name]
    ]
    old_reminders = task_reminders.load(task.reminders, task.due_date)
    if "reminders" in changes and {r.spec for r in old_reminders} != set(changes["reminders"]):
        changed.append("reminders")
    if not changed:
        return task
    due_date = changes.get("due_date")
    if (
        "due_date" in changed
        and due_date is not None
        and task.parent_task_id is not None
        and selectors.occurrence_due_exists(
            parent_task_id=task.parent_task_id, due_date=due_date, exclude_task_id=task.pk
        )
    ):
        raise DueDateTakenError(due_date)
    previous_pending = task_reminders.pending_instants(task.reminders, task.due_date)
    previous_due = task.due_date
    for name in changed:
        if name != "reminders":
            setattr(task, name, changes[name])
    update_fields = [name for name in changed if name != "reminders"]
    if "reminders" in changed or "due_date" in changed:
        stored = task_reminders.restore(
            task.reminders,
            specs=changes["reminders"] if "reminders" in changed else None,
            due_date=task.due_date,
            old_due_date=previous_due,
            now=at,
        )
        shown = task_reminders.reminders_output(task.reminders, previous_due)
        for name in ("reminders", "reminder_at", "reminder_sent"):
            value = getattr(stored, name)
            if getattr(task, name) != value:
                setattr(task, name, value)
                update_fields.append(name)
                if name not in changed:
                    changed.append(name)
        if (
            "reminders" not in changed
            and task_reminders.reminders_output(task.reminders, task.due_date) != shown
        ):
            changed.append("reminders")  # before the due date: the same offsets, at new instants
    task.updated_at = at
    update_fields.append("updated_at")
    try:
        statements.update(task, fields=update_fields)  # task.save(update_fields=...)'s UPDATE, compiled once
    except IntegrityError as error:
        # The check above cannot see a sibling moved there by a transaction still in flight.
        if _violates(error, ONE_OCCURRENCE_PER_DUE_DATE):
            raise DueDateTakenError(task.due_date or at) from error
        raise

    events.emit_task_updated(task=task, changed=changed, at=at)
    pending = task_reminders.pending_instants(task.reminders, task.due_date)
    if pending != previous_pending:
        if pending:
            events.emit_reminder_scheduled(task=task, at=at)
        else:
            events.emit_reminder_cancelled(task=task, reminder_at=previous_pending[0], at=at)
    return task


@transaction.atomic
def task_complete(*, task: Task, completed: bool, at: datetime) -> Task:
    """Complete (`task.completed` + `task.updated`) or reopen (`task.updated`); a no-op when unchanged."""
    task = selectors.task_locked(task_id=task.pk)
    if task.completed == completed:
        return task
    _record_completion(task, completed=completed, skipped=False, at=at)
    return task


@transaction.atomic
def task_skip(*, task: Task, at: datetime) -> Task:
    """Pass over an open occurrence of a series: completed without being done (`skipped`), and its next
    occurrence made as for a completion. A no-op on a task already skipped.

    Raises NotSkippableError for a task that does not recur, or was completed (done) already.
    """
    task = selectors.task_locked(task_id=task.pk)
    if task.skipped:
        return task
    if not task.recurring_pattern:
        raise NotSkippableError("Only a recurring task can be skipped; this one does not recur.")
    if task.completed:
        raise NotSkippableError("This task is completed already; reopen it first to skip it instead.")
    _record_completion(task, completed=True, skipped=True, at=at)
    return task


def _record_completion(task: Task, *, completed: bool, skipped: bool, at: datetime) -> None:
    """Complete (done or skipped) or reopen a locked task, with its events."""
    changed = ["completed", "completed_at", *(["skipped"] if task.skipped != skipped else [])]
    task.completed = completed
    task.completed_at = at if completed else None
    task.skipped = skipped
    # A completed recurring task owes its next occurrence until the recurrence worker (or its sweep) has
    # created it; reopening cancels the debt.
    task.next_occurrence_owed_since = at if completed and task.recurring_pattern else None
    task.updated_at = at
    statements.update(task, fields=[*changed, "next_occurrence_owed_since", "updated_at"])
    events.emit_task_completion(task=task, changed=changed, at=at)


@transaction.atomic(savepoint=False)  # a delivery batch's hot path: its transaction, no savepoint
def tasks_mark_reminded(*, reminders: Iterable[tuple[int, datetime]], at: datetime) -> list[Task]:
    """Record reminders as sent, given as (task id, reminder instant): each one done, and `task.updated`.

    A reminder no longer pending at that instant (moved, removed, or already marked since) is left alone.
    One lock, one update and one insert of events per kind of change for the whole batch, in the caller's
    transaction (the delivery's, which holds the reminders). Returns the tasks marked.
    """
    sent: dict[int, list[datetime]] = {}
    for task_id, instant in reminders:
        sent.setdefault(task_id, []).append(instant)
    if not sent:
        return []
    marked: list[Task] = []
    by_change: dict[tuple[str, ...], list[Task]] = {}
    for task in Task.objects.select_for_update().filter(pk__in=sent, reminder_sent=False).order_by("pk"):
        pending = task_reminders.pending_instants(task.reminders, task.due_date)
        instants = [instant for instant in sent[task.pk] if instant in pending]
        if not instants:
            continue
        previous = {"reminder_at": task.reminder_at, "reminder_sent": task.reminder_sent}
        for instant in instants:
            stored = task_reminders.mark_done(task.reminders, due_date=task.due_date, instant=instant)
            task.reminders = stored.reminders
        task.reminder_at, task.reminder_sent = stored.reminder_at, stored.reminder_sent
        task.updated_at = at
        change = (
            "reminders",
            *(name for name, value in previous.items() if getattr(task, name) != value),
        )
        by_change.setdefault(change, []).append(task)
        marked.append(task)
    statements.update_many(marked, fields=["reminders", "reminder_at", "reminder_sent", "updated_at"])
    for change, tasks in by_change.items():
        events.emit_tasks_updated(tasks=tasks, changed=list(change), at=at)
    return marked


@transaction.atomic
def task_delete(*, task: Task, at: datetime) -> None:
    """Delete a task; emit `task.deleted`, and `reminder.cancelled` when a reminder was still pending."""
    task = selectors.task_locked(task_id=task.pk)
    events.emit_task_deleted(task=task, at=at)
    if task.reminder_at is not None and not task.reminder_sent:  # reminder_at: the first pending one
        events.emit_reminder_cancelled(task=task, reminder_at=task.reminder_at, at=at)
    task.delete()
