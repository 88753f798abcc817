"""The reminder schedule: keep it in step with the tasks, and hand reminders entering the horizon to Celery.

The database decides; events and Celery messages only say "look now". A delivery task is enqueued for an
instant, not for a reminder: it delivers whatever is due when it runs (notifications_app/delivery.py), so
a redelivered, late or duplicated Celery message cannot send a second email or a cancelled one.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from notifications_app.email import reminder_email_key, render_reminder_email
from notifications_app.models import Reminder
from tasks_app.models import Task

logger = logging.getLogger(__name__)

ACTIVE = (Reminder.Status.SCHEDULED, Reminder.Status.ENQUEUED)
Enqueue = Callable[[datetime], None]  # a delivery task at this instant (called after commit)


def _horizon() -> timedelta:
    return timedelta(seconds=settings.REMINDER_HORIZON_SECONDS)


def _move_to_enqueued(reminder: Reminder, *, task: Task | None, now: datetime) -> None:
    """Enqueued, with its email rendered now (the delivery checks it is still what the task says)."""
    reminder.status = Reminder.Status.ENQUEUED
    reminder.version += 1
    reminder.enqueued_at = now
    reminder.next_attempt_at = None
    reminder.updated_at = now
    if task is not None and task.user.email:
        try:
            reminder.message = render_reminder_email(task=task, remind_at=reminder.remind_at)
            reminder.message_key = reminder_email_key(task=task, remind_at=reminder.remind_at)
        except Exception:  # rendering ahead only saves time: the delivery tries again, and records why
            logger.exception("reminder of task %s: rendering its email ahead failed", task.pk)
    reminder.save(
        update_fields=[
            "status",
            "version",
            "enqueued_at",
            "next_attempt_at",
            "updated_at",
            "message",
            "message_key",
        ]
    )


@transaction.atomic
def reminder_sync(*, task_id: int, user_id: str, now: datetime, enqueue: Enqueue) -> Reminder | None:
    """Make the schedule match the task's reminder as it is now; order of events does not matter.

    Returns the task's active reminder, or None when it has none.
    """
    task = Task.objects.select_related("user").filter(pk=task_id, user_id=user_id).first()
    wanted = None
    if task is not None and task.reminder_at is not None and not task.completed and not task.reminder_sent:
        wanted = task.reminder_at
    stale = Reminder.objects.select_for_update().filter(task_id=task_id, status__in=ACTIVE)
    if wanted is not None:
        stale = stale.exclude(remind_at=wanted)
    stale.update(
        status=Reminder.Status.CANCELLED,
        version=F("version") + 1,
        updated_at=now,
        message=None,
        message_key="",
    )
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
        _move_to_enqueued(reminder, task=task, now=now)
        transaction.on_commit(lambda: enqueue(wanted))
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
        tasks = Task.objects.select_related("user").in_bulk([reminder.task_id for reminder in due])
        for reminder in due:
            if reminder.status != Reminder.Status.SCHEDULED:
                logger.warning("re-enqueueing %s: no delivery since %s", reminder, reminder.updated_at)
            _move_to_enqueued(reminder, task=tasks.get(reminder.task_id), now=now)
        # One delivery task per instant serves all its reminders; a swept one is due already.
        for instant in sorted({max(reminder.remind_at, now) for reminder in due}):
            transaction.on_commit(partial(enqueue, instant))
    return len(due)
