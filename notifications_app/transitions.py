"""The reminder's state machine: every change of a row's status is written here, each behind its guard.

    scheduled -> enqueued -> sent | failed        (cancelled from scheduled or enqueued)
    enqueued, refused by the SMTP server -> enqueued again, waiting for its retry
    cancelled | failed -> scheduled               (revived)

Each transition bumps `version` and moves only a row in the status it expects; one that the caller read
(or claimed) moves only at the version it read. A row found elsewhere is refused with
`InvalidTransitionError`, which rolls back the caller's transaction: nothing moves. Callers hold the rows
locked (FOR UPDATE) from reading them to moving them, so a refusal is a bug, never a race. Callers decide
which transition a row takes, and render its email; the functions here only write. Enqueueing and the
outcomes of a delivery batch take the whole batch, one pipelined round trip each (psycopg pipelines
`executemany`).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from django.db import connection
from django.db.models import F, QuerySet

from notifications_app.models import Reminder

ACTIVE = (Reminder.Status.SCHEDULED, Reminder.Status.ENQUEUED)
REVIVABLE = (Reminder.Status.CANCELLED, Reminder.Status.FAILED)


class InvalidTransitionError(Exception):
    """The row is not in the status (or at the version) the transition expects."""


class ClaimedRow(Protocol):
    """An enqueued reminder a delivery batch holds locked: its row as claimed, and the attempt's number."""

    @property
    def reminder_id(self) -> int: ...

    @property
    def version(self) -> int: ...  # as claimed

    @property
    def attempts(self) -> int: ...  # counting this one

    @property
    def remind_at(self) -> datetime: ...


def _move(reminder: Reminder, *, expected: Sequence[str], transition: str, **changes: Any) -> None:
    """Move the row from one of the `expected` statuses at the version read; the instance follows."""
    if reminder.status not in expected:
        raise InvalidTransitionError(f"{transition}: reminder {reminder.pk} is {reminder.status}")
    moved = Reminder.objects.filter(pk=reminder.pk, status=reminder.status, version=reminder.version).update(
        version=reminder.version + 1, **changes
    )
    if moved != 1:
        raise InvalidTransitionError(f"{transition}: reminder {reminder.pk} changed since it was read")
    for name, value in changes.items():
        setattr(reminder, name, value)
    reminder.version += 1


def revive(reminder: Reminder, *, now: datetime) -> None:
    """Cancelled or failed -> scheduled, its attempts and failure forgotten."""
    _move(
        reminder,
        expected=REVIVABLE,
        transition="revive",
        status=Reminder.Status.SCHEDULED,
        attempts=0,
        failure="",
        updated_at=now,
    )


_ENQUEUED = """
    UPDATE reminders SET status = 'enqueued', version = version + 1, enqueued_at = %s, next_attempt_at = NULL,
        message = %s, message_key = %s, updated_at = %s
    WHERE id = %s AND status = 'scheduled' AND version = %s
"""


def enqueue(entries: Sequence[tuple[Reminder, bytes | None, str]], *, now: datetime) -> None:
    """Scheduled -> enqueued (its delivery task is on its way), each of these (reminder, its email if rendered
    ahead or None, the email's key), in one round trip; the instances follow."""
    for reminder, _, _ in entries:
        if reminder.status != Reminder.Status.SCHEDULED:
            raise InvalidTransitionError(f"enqueue: reminder {reminder.pk} is {reminder.status}")
    rows = [(now, message, key, now, reminder.pk, reminder.version) for reminder, message, key in entries]
    _move_rows("enqueue", _ENQUEUED, rows, as_they_were="read")
    for reminder, message, key in entries:
        reminder.status = Reminder.Status.ENQUEUED
        reminder.enqueued_at, reminder.next_attempt_at, reminder.updated_at = now, None, now
        reminder.message, reminder.message_key = message, key
        reminder.version += 1


def fail_without_email(reminder: Reminder, *, now: datetime) -> None:
    """Enqueued (claimed) -> failed: its user has no email address. No attempt was made."""
    _move(
        reminder,
        expected=(Reminder.Status.ENQUEUED,),
        transition="fail",
        status=Reminder.Status.FAILED,
        failure=Reminder.Failure.NO_EMAIL,
        last_error=f"user {reminder.user_id} has no email address",
        message=None,
        message_key="",
        updated_at=now,
    )


def _cancel_active(reminders: QuerySet[Reminder], *, now: datetime) -> int:
    return reminders.filter(status__in=ACTIVE).update(
        status=Reminder.Status.CANCELLED,
        version=F("version") + 1,
        message=None,
        message_key="",
        updated_at=now,
    )


def cancel(reminder_ids: Sequence[int], *, now: datetime) -> None:
    """Scheduled or enqueued -> cancelled, all of these rows (their task no longer wants them)."""
    if not reminder_ids:
        return
    moved = _cancel_active(Reminder.objects.filter(pk__in=reminder_ids), now=now)
    if moved != len(set(reminder_ids)):
        raise InvalidTransitionError(f"cancel: not all of reminders {sorted(reminder_ids)} are active")


def cancel_stale(reminders: QuerySet[Reminder], *, now: datetime) -> int:
    """Scheduled or enqueued -> cancelled, whichever of these rows are active, in one update (a task's
    reminders at instants it no longer wants: the status filter is the guard). Returns how many moved."""
    return _cancel_active(reminders, now=now)


# The outcomes of a claimed batch: each row still enqueued and at the version it was claimed at.
_SENT = """
    UPDATE reminders SET status = 'sent', version = version + 1, attempts = %s, sent_at = %s,
        lateness_ms = %s, last_error = '', next_attempt_at = NULL, message = NULL, message_key = '',
        updated_at = %s
    WHERE id = %s AND status = 'enqueued' AND version = %s
"""
_WAITING = """
    UPDATE reminders SET version = version + 1, attempts = %s, next_attempt_at = %s, last_error = %s,
        updated_at = %s
    WHERE id = %s AND status = 'enqueued' AND version = %s
"""
_FAILED = """
    UPDATE reminders SET status = 'failed', failure = %s, version = version + 1, attempts = %s,
        last_error = %s, next_attempt_at = NULL, message = NULL, message_key = '', updated_at = %s
    WHERE id = %s AND status = 'enqueued' AND version = %s
"""


def _move_rows(
    transition: str, statement: str, rows: list[tuple[Any, ...]], *, as_they_were: str = "claimed"
) -> None:
    """One statement per row (the row's id and the version it was read or claimed at last), in one round
    trip."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)
        moved = cursor.rowcount
    if moved != len(rows):
        ids = sorted(row[-2] for row in rows)
        raise InvalidTransitionError(
            f"{transition}: not all of reminders {ids} are as they were {as_they_were}"
        )


def mark_sent(sent: Sequence[tuple[ClaimedRow, datetime]]) -> None:
    """Enqueued (claimed) -> sent at the instant given, with its lateness."""
    _move_rows(
        "mark sent",
        _SENT,
        [
            (
                row.attempts,
                at,
                (at - row.remind_at).total_seconds() * 1000,
                at,
                row.reminder_id,
                row.version,
            )
            for row, at in sent
        ],
    )


def wait_for_retry(refused: Sequence[tuple[ClaimedRow, datetime, str]], *, now: datetime) -> None:
    """Enqueued (claimed) -> enqueued again: its attempt was refused (the error), the next is due then."""
    _move_rows(
        "wait for retry",
        _WAITING,
        [
            (row.attempts, next_at, error, now, row.reminder_id, row.version)
            for row, next_at, error in refused
        ],
    )


def mark_failed(failed: Sequence[tuple[ClaimedRow, Reminder.Failure, str]], *, now: datetime) -> None:
    """Enqueued (claimed) -> failed, for good: why (`failure`) and the last error."""
    _move_rows(
        "mark failed",
        _FAILED,
        [(failure, row.attempts, error, now, row.reminder_id, row.version) for row, failure, error in failed],
    )
