"""The reminder schedule: keep it in step with the tasks, and hand reminders entering the horizon to Celery.

The database decides; events and Celery messages only say "look now". A delivery task is enqueued for an
instant, not for a reminder: it delivers whatever is due when it runs (notifications_app/delivery.py), so
a redelivered, late or duplicated Celery message cannot send a second email or a cancelled one.
"""

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from notifications_app import transitions
from notifications_app.email import reminder_email_key, render_reminder_email
from notifications_app.models import Reminder
from tasks_app.models import Task
from tasks_app.reminders import pending_instants

logger = logging.getLogger(__name__)

Enqueue = Callable[[datetime], None]  # a delivery task at this instant (called after commit)


def _horizon() -> timedelta:
    return timedelta(seconds=settings.REMINDER_HORIZON_SECONDS)


def _enqueue(reminders: Sequence[Reminder], *, tasks: Mapping[int, Task], now: datetime) -> None:
    """Enqueued, each with its email rendered now (the delivery checks it is still what the task says)."""
    transitions.enqueue(
        [(reminder, *_rendered_ahead(reminder, tasks.get(reminder.task_id))) for reminder in reminders],
        now=now,
    )


def _rendered_ahead(reminder: Reminder, task: Task | None) -> tuple[bytes | None, str]:
    """The reminder's email and its key, or (None, "") when it cannot be rendered now."""
    if task is None or not task.user.email:
        return None, ""
    try:
        return (
            render_reminder_email(task=task, remind_at=reminder.remind_at),
            reminder_email_key(task=task, remind_at=reminder.remind_at),
        )
    except Exception:  # rendering ahead only saves time: the delivery tries again, and records why
        logger.exception("reminder of task %s: rendering its email ahead failed", task.pk)
        return None, ""


def wanted_instants(task: Task | None) -> list[datetime]:
    """When the task, as it is now, wants reminders sent: its pending ones, unless it is done or gone."""
    if task is None or task.completed or task.reminder_sent:
        return []
    return pending_instants(task.reminders, task.due_date)


def _enqueue_within_horizon(
    reminders: Sequence[Reminder], *, tasks: Mapping[int, Task], now: datetime, enqueue: Enqueue
) -> None:
    """The scheduled reminders within the horizon are enqueued, a delivery task for each sent after commit.

    One each, not one per instant: the tasks of reminders due at once run in parallel on the delivery
    workers (a task that finds them claimed finds nothing to do), which keeps a burst on time.
    """
    within = [
        reminder
        for reminder in reminders
        if reminder.status == Reminder.Status.SCHEDULED and reminder.remind_at - now <= _horizon()
    ]
    _enqueue(within, tasks=tasks, now=now)
    for reminder in within:
        transaction.on_commit(partial(enqueue, reminder.remind_at))


def reminder_sync(*, task_id: int, user_id: str, now: datetime, enqueue: Enqueue) -> list[Reminder]:
    """Make the schedule match the task's reminders as they are now; order of events does not matter.

    Returns the task's active reminders, a row per pending instant, earliest first.
    """
    return reminders_sync(tasks=[(task_id, user_id)], now=now, enqueue=enqueue)[task_id]


@transaction.atomic
def reminders_sync(
    *, tasks: Sequence[tuple[int, str]], now: datetime, enqueue: Enqueue
) -> dict[int, list[Reminder]]:
    """`reminder_sync` for many tasks (task id, the event's user id) in one transaction and a few statements
    whatever their number (a batch of events); the rows within the horizon are each enqueued.

    Returns each task's active reminders, a row per pending instant, earliest first.
    """
    owners = dict(tasks)
    found = Task.objects.select_related("user").in_bulk(list(owners))
    current = {task_id: task for task_id, task in found.items() if task.user_id == owners[task_id]}
    wanted = {task_id: wanted_instants(current.get(task_id)) for task_id in owners}
    # Every row of these tasks, locked in one order (concurrent batches over the same tasks cannot deadlock).
    rows = list(Reminder.objects.select_for_update().filter(task_id__in=list(owners)).order_by("pk"))
    stale = [row.pk for row in rows if row.remind_at not in wanted[row.task_id]]
    if stale:
        transitions.cancel_stale(Reminder.objects.filter(pk__in=stale), now=now)
    have = {(row.task_id, row.remind_at): row for row in rows}
    missing = [
        Reminder(task_id=task_id, user_id=owners[task_id], remind_at=instant, updated_at=now)
        for task_id, instants in wanted.items()
        for instant in instants
        if (task_id, instant) not in have
    ]
    if missing:
        # A concurrent sync may insert the same row first: it is kept, and read (locked) with the new ones.
        Reminder.objects.bulk_create(missing, ignore_conflicts=True)
        added = Reminder.objects.select_for_update().filter(
            task_id__in={row.task_id for row in missing}, remind_at__in={row.remind_at for row in missing}
        )
        have.update({(row.task_id, row.remind_at): row for row in added.order_by("pk")})
    active = {
        task_id: [have[(task_id, instant)] for instant in instants] for task_id, instants in wanted.items()
    }
    pending = [reminder for reminders in active.values() for reminder in reminders]
    for reminder in pending:
        revivable = reminder.status == Reminder.Status.CANCELLED or (
            reminder.status == Reminder.Status.FAILED and reminder.failure == Reminder.Failure.SMTP
        )
        if revivable:  # moved back to an instant used before, or after an SMTP outage
            transitions.revive(reminder, now=now)
    _enqueue_within_horizon(pending, tasks=current, now=now, enqueue=enqueue)
    return active


class ReminderNotRevivableError(Exception):
    """The reminder is not failed, or its task no longer wants it: reviving it would send nothing."""


@transaction.atomic
def reminder_revive(*, reminder_id: int, now: datetime, enqueue: Enqueue) -> Reminder:
    """Retry a failed reminder (an operator retrying its dead letter): scheduled again, its attempts
    forgotten, and enqueued at once when it is within the horizon (or already past).

    Raises ReminderNotRevivableError, changing nothing, when the reminder is not failed (never was, or was
    revived, sent or cancelled since) or its task no longer wants it at that instant.
    """
    reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
    if reminder is None or reminder.status != Reminder.Status.FAILED:
        state = "it no longer exists" if reminder is None else f"it is {reminder.status}"
        raise ReminderNotRevivableError(f"reminder {reminder_id}: {state}")
    task = Task.objects.select_related("user").filter(pk=reminder.task_id).first()
    if reminder.remind_at not in wanted_instants(task):
        raise ReminderNotRevivableError(
            f"reminder {reminder_id}: task {reminder.task_id} no longer wants a reminder at "
            f"{reminder.remind_at.isoformat()}"
        )
    transitions.revive(reminder, now=now)
    _enqueue_within_horizon([reminder], tasks={task.pk: task} if task else {}, now=now, enqueue=enqueue)
    return reminder


def reminders_enqueue_due(*, now: datetime, enqueue: Enqueue, limit: int = 1000) -> int:
    """The scan (beat, every second): whatever the schedule owes Celery, handed to it now.

    - Reminders entering the horizon become enqueued, with an ETA delivery task per instant.
    - A task that wants a reminder but has no schedule row for it (the event that makes one was lost with
      a killed worker or a restarted broker) gets one.
    - Enqueued reminders still unclaimed `REMINDER_LOST_AFTER_SECONDS` after they fell due and were
      enqueued (the worker holding their delivery task was killed, or the broker lost it) get one delivery
      task now.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so scans running at once never enqueue a row twice, and
    a row that a live sender holds (locked for as long as it sends) is never taken for lost. Returns how
    many reminders were handed over.
    """
    lost_after = timedelta(seconds=settings.REMINDER_LOST_AFTER_SECONDS)
    recovered = _schedule_missing(now=now, settled_before=now - lost_after, enqueue=enqueue, limit=limit)
    with transaction.atomic():
        entering = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=Reminder.Status.SCHEDULED, remind_at__lte=now + _horizon())
            .order_by("remind_at")[:limit]
        )
        tasks = Task.objects.select_related("user").in_bulk([reminder.task_id for reminder in entering])
        _enqueue(entering, tasks=tasks, now=now)
        # One delivery task per instant, not per reminder as a sync sends: the scan also takes up what fell
        # due while no scan ran (an outage, a beat restart), and those all share the instant `now`; one task
        # claims them in batches and calls in other workers while its batches are full.
        for instant in sorted({max(reminder.remind_at, now) for reminder in entering}):
            transaction.on_commit(partial(enqueue, instant))
        lost = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .alias(due_at=Reminder.due())
            .filter(
                status=Reminder.Status.ENQUEUED, due_at__lt=now - lost_after, enqueued_at__lt=now - lost_after
            )
            .values_list("pk", flat=True)[:limit]
        )
        if lost:
            # Their rows stay as they are: a delivery task claims whatever is due, so one serves them all.
            logger.warning(
                "%d reminders unclaimed %ss after they fell due: enqueueing them again",
                len(lost),
                lost_after.total_seconds(),
            )
            transaction.on_commit(partial(enqueue, now))
    return recovered + len(entering) + len(lost)


def _schedule_missing(*, now: datetime, settled_before: datetime, enqueue: Enqueue, limit: int) -> int:
    """Give a schedule row to each task that wants a reminder soon, or already, and has none for it.

    Only tasks unchanged since `settled_before`: a fresher one's event is most likely on its way.
    """
    window = timedelta(seconds=settings.REMINDER_RECOVERY_WINDOW_SECONDS)
    scheduled = Reminder.objects.filter(task_id=OuterRef("pk"), remind_at=OuterRef("reminder_at"))
    missing = list(
        Task.objects.filter(
            reminder_at__isnull=False,
            reminder_sent=False,
            reminder_at__gte=now - window,
            reminder_at__lte=now + _horizon(),
            completed=False,
            updated_at__lt=settled_before,
        )
        .filter(~Exists(scheduled))
        .values_list("pk", "user_id")[:limit]
    )
    if missing:
        # One line per scan: under a flood of writes the events lag rather than get lost, and a line per
        # task would drown the log.
        logger.warning(
            "%d tasks want a reminder soon but have no schedule row %ss after their last change "
            "(their events are late or were lost): scheduling them now; first task ids: %s",
            len(missing),
            (now - settled_before).total_seconds(),
            ", ".join(str(task_id) for task_id, _ in missing[:10]),
        )
    if missing:
        reminders_sync(tasks=missing, now=now, enqueue=enqueue)
    return len(missing)
