"""The reminder schedule: keep it in step with the tasks, move due rows into Celery, deliver once.

The database decides; events and Celery messages only say "look now". Every status change bumps the
row's version, and a delivery acts only on the version it was enqueued with, so a redelivered, late or
duplicated Celery message cannot send a second email or a cancelled one.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from notifications_app.email import build_reminder_email, send
from notifications_app.models import Reminder
from tasks_app.models import Task

logger = logging.getLogger(__name__)

ACTIVE = (Reminder.Status.SCHEDULED, Reminder.Status.ENQUEUED)
Enqueue = Callable[[Reminder], None]  # schedules the Celery ETA task of a reminder (after commit)


def _horizon() -> timedelta:
    return timedelta(seconds=settings.REMINDER_HORIZON_SECONDS)


def _enqueue_after_commit(reminder: Reminder, enqueue: Enqueue) -> None:
    transaction.on_commit(lambda: enqueue(reminder))


def _move_to_enqueued(reminder: Reminder, *, now: datetime) -> None:
    reminder.status = Reminder.Status.ENQUEUED
    reminder.version += 1
    reminder.enqueued_at = now
    reminder.next_attempt_at = None
    reminder.updated_at = now
    reminder.save(update_fields=["status", "version", "enqueued_at", "next_attempt_at", "updated_at"])


@transaction.atomic
def reminder_sync(*, task_id: int, user_id: str, now: datetime, enqueue: Enqueue) -> Reminder | None:
    """Make the schedule match the task's reminder as it is now; order of events does not matter.

    Returns the task's active reminder, or None when it has none.
    """
    task = Task.objects.filter(pk=task_id, user_id=user_id).first()
    wanted = None
    if task is not None and task.reminder_at is not None and not task.completed and not task.reminder_sent:
        wanted = task.reminder_at
    stale = Reminder.objects.select_for_update().filter(task_id=task_id, status__in=ACTIVE)
    if wanted is not None:
        stale = stale.exclude(remind_at=wanted)
    stale.update(status=Reminder.Status.CANCELLED, version=F("version") + 1, updated_at=now)
    if wanted is None:
        return None

    reminder, _ = Reminder.objects.select_for_update().get_or_create(
        task_id=task_id, remind_at=wanted, defaults={"user_id": user_id, "updated_at": now}
    )
    revivable = reminder.status == Reminder.Status.CANCELLED or (
        reminder.status == Reminder.Status.FAILED and reminder.failure == Reminder.Failure.SMTP
    )
    if revivable:  # moved back to an instant used before, or an operator retried after an SMTP outage
        reminder.status = Reminder.Status.SCHEDULED
        reminder.version += 1
        reminder.attempts = 0
        reminder.failure = ""
        reminder.updated_at = now
        reminder.save(update_fields=["status", "version", "attempts", "failure", "updated_at"])
    if reminder.status == Reminder.Status.SCHEDULED and reminder.remind_at - now <= _horizon():
        _move_to_enqueued(reminder, now=now)
        _enqueue_after_commit(reminder, enqueue)
    return reminder


def reminders_enqueue_due(*, now: datetime, enqueue: Enqueue, limit: int = 1000) -> int:
    """Move reminders entering the horizon into Celery; re-enqueue the ones a lost worker left behind.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so several beat runs never enqueue a row twice.
    """
    lost_after = timedelta(seconds=settings.REMINDER_LOST_AFTER_SECONDS)
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Reminder.Status.SCHEDULED, remind_at__lte=now + _horizon())
                # Enqueued or mid-send well past their instant (or their SMTP retry): the worker
                # holding them is gone.
                | Q(
                    Q(next_attempt_at__isnull=True, remind_at__lt=now - lost_after)
                    | Q(next_attempt_at__lt=now - lost_after),
                    status__in=[Reminder.Status.ENQUEUED, Reminder.Status.SENDING],
                    updated_at__lt=now - lost_after,
                )
            )
            .order_by("remind_at")[:limit]
        )
        for reminder in due:
            if reminder.status != Reminder.Status.SCHEDULED:
                logger.warning("re-enqueueing %s: no delivery since %s", reminder, reminder.updated_at)
            _move_to_enqueued(reminder, now=now)
            _enqueue_after_commit(reminder, enqueue)
    return len(due)


@dataclass(frozen=True)
class Delivery:
    """What `reminder_deliver` did: `sent`, or why not."""

    outcome: str
    reminder: Reminder | None = None


class SmtpFailedError(Exception):
    """Sending failed; the reminder is back to enqueued for the next retry of the same version."""


def _claim_for_sending(reminder_id: int, version: int, now: datetime) -> tuple[Delivery, Task | None]:
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.version != version or reminder.status != Reminder.Status.ENQUEUED:
            return Delivery("stale", reminder), None
        if now < reminder.remind_at:
            return Delivery("early", reminder), None  # never before its time, whoever delivered it early
        task = Task.objects.select_related("user").filter(pk=reminder.task_id).first()
        if task is None or task.completed or task.reminder_sent or task.reminder_at != reminder.remind_at:
            reminder.status = Reminder.Status.CANCELLED
            reminder.version += 1
            reminder.updated_at = now
            reminder.save(update_fields=["status", "version", "updated_at"])
            return Delivery("cancelled", reminder), None
        if not task.user.email:
            reminder.status = Reminder.Status.FAILED
            reminder.failure = Reminder.Failure.NO_EMAIL
            reminder.last_error = f"user {task.user_id} has no email address"
            reminder.version += 1
            reminder.updated_at = now
            reminder.save(update_fields=["status", "failure", "last_error", "version", "updated_at"])
            return Delivery("no_email", reminder), None
        reminder.status = Reminder.Status.SENDING
        reminder.attempts += 1
        reminder.updated_at = now
        reminder.save(update_fields=["status", "attempts", "updated_at"])
        return Delivery("sending", reminder), task


def reminder_deliver(*, reminder_id: int, version: int, now: Callable[[], datetime]) -> Delivery:
    """Send the reminder email if the row still expects this delivery; record the outcome."""
    claimed, task = _claim_for_sending(reminder_id, version, now())
    if task is None:
        return claimed
    reminder = claimed.reminder
    assert reminder is not None
    try:
        send(build_reminder_email(task=task, to=task.user.email, remind_at=reminder.remind_at))
    except Exception as error:
        Reminder.objects.filter(pk=reminder.pk, version=version, status=Reminder.Status.SENDING).update(
            status=Reminder.Status.ENQUEUED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=now(),
        )
        raise SmtpFailedError(f"{type(error).__name__}: {error}") from error
    sent_at = now()
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk, version=version).update(
            status=Reminder.Status.SENT,
            version=version + 1,
            sent_at=sent_at,
            lateness_ms=(sent_at - reminder.remind_at).total_seconds() * 1000,
            last_error="",
            updated_at=sent_at,
        )
        Task.objects.filter(pk=task.pk, reminder_at=reminder.remind_at).update(reminder_sent=True)
    return Delivery("sent", reminder)


def reminder_note_retry(*, reminder_id: int, version: int, at: datetime, now: datetime) -> None:
    """An SMTP retry of this delivery is due at `at`: the sweeper leaves the reminder alone until then."""
    Reminder.objects.filter(pk=reminder_id, version=version).update(next_attempt_at=at, updated_at=now)


def reminder_fail(*, reminder_id: int, version: int, error: str, now: datetime) -> None:
    """After the last SMTP retry: the reminder is failed (an operator may retry it from the DLQ)."""
    Reminder.objects.filter(pk=reminder_id, version=version).update(
        status=Reminder.Status.FAILED,
        failure=Reminder.Failure.SMTP,
        last_error=error[:2000],
        version=version + 1,
        updated_at=now,
    )
