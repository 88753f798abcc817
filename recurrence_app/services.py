"""Creating the next occurrence of a completed recurring task, exactly once."""

import logging
from datetime import datetime

from django.db import transaction

from recurrence_app.occurrences import next_occurrence
from tasks_app.models import Task
from tasks_app.recurrence_rules import InvalidPatternError
from tasks_app.services import task_create
from workers.events import Envelope
from workers.idempotency import record_processed
from workers.retry_policies import PermanentEventError

logger = logging.getLogger(__name__)

CONSUMER = "recurrence"


def _series_start(task: Task, root: Task) -> datetime:
    """The first occurrence of the series: the root's due date, else the completion that anchored it."""
    for candidate in (root.due_date, root.completed_at, task.due_date, task.completed_at):
        if candidate is not None:
            return candidate
    raise PermanentEventError(f"task {task.pk} has neither a due date nor a completion time")


@transaction.atomic
def occurrence_create_next(*, envelope: Envelope, now: datetime) -> Task | None:
    """Handle `task.completed`: create the series' next task, set `next_occurrence`, record the event.

    All in one transaction. Returns the next task, or None when there is nothing to do: a duplicate
    event, a task since deleted or reopened, or a series that has ended. The unique (series root, due
    date) constraint makes a second occurrence impossible even if two different events race.
    """
    if not record_processed(consumer=CONSUMER, event_id=envelope.event_id):
        logger.info("duplicate %s ignored", envelope.event_id)
        return None
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("user", "parent_task")
        .filter(pk=envelope.task_id, user_id=envelope.user_id)
        .first()
    )
    if task is None or not task.completed or not task.recurring_pattern:
        return None  # deleted, reopened, or no longer recurring: the database decides, not the event
    root = task.parent_task or task
    anchor = task.due_date or task.completed_at
    assert anchor is not None  # a completed task has completed_at
    try:
        due = next_occurrence(
            pattern=task.recurring_pattern,
            series_start=_series_start(task, root),
            after=max(anchor, now),
            timezone=task.timezone,
            end=task.recurring_end_date,
        )
    except InvalidPatternError as error:
        raise PermanentEventError(f"task {task.pk} has a bad recurring pattern: {error}") from error
    task.next_occurrence = due
    task.save(update_fields=["next_occurrence"])
    if due is None:
        logger.info("series of task %s has ended", task.pk)
        return None
    existing = Task.objects.filter(parent_task=root, due_date=due).first()
    if existing is not None:
        return existing  # completed, reopened and completed again: the occurrence is already there
    reminder_at = None
    if task.reminder_at is not None and task.due_date is not None:
        reminder_at = due - (task.due_date - task.reminder_at)
        if reminder_at <= now:
            reminder_at = None
    return task_create(
        user=task.user,
        title=task.title,
        description=task.description,
        priority=task.priority,
        tags=list(task.tags),
        due_date=due,
        timezone=task.timezone,
        recurring_pattern=task.recurring_pattern,
        recurring_end_date=task.recurring_end_date,
        reminder_at=reminder_at,
        parent_task=root,
        at=now,
    )
