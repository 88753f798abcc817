"""Builders for the task and reminder events; services call them inside their transaction.

Topics: `task.created|updated|deleted` -> `task-updates`; `task.completed` -> `task-events`;
`reminder.scheduled|cancelled` -> `reminders`. The payloads are a contract with consumers, versioned by the
envelope's `event_version`, so they are spelled out here rather than borrowed from the API's serializers.
"""

from datetime import datetime
from typing import Any

from tasks_app.models import Task
from tasks_app.reminders import pending_instants, reminders_output
from workers.events.envelope import iso_utc
from workers.events.outbox import NewEvent, emit, emit_many
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES

TASK_CREATED = "task.created"
TASK_UPDATED = "task.updated"
TASK_COMPLETED = "task.completed"
TASK_DELETED = "task.deleted"
REMINDER_SCHEDULED = "reminder.scheduled"
REMINDER_CANCELLED = "reminder.cancelled"


def _iso(at: datetime | None) -> str | None:
    return iso_utc(at) if at is not None else None


def task_snapshot(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "user_id": task.user_id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "completed_at": _iso(task.completed_at),
        "skipped": task.skipped,
        "priority": task.priority,
        "tags": list(task.tags),
        "due_date": _iso(task.due_date),
        "timezone": task.timezone,
        "recurring_pattern": task.recurring_pattern,
        "recurring_end_date": _iso(task.recurring_end_date),
        "recurrence_anchor": task.recurrence_anchor,
        "next_occurrence": _iso(task.next_occurrence),
        "parent_task_id": task.parent_task_id,
        "reminder_at": _iso(task.reminder_at),
        "reminder_sent": task.reminder_sent,
        "reminders": reminders_output(task.reminders, task.due_date),
        "created_at": _iso(task.created_at),
        "updated_at": _iso(task.updated_at),
    }


def _emit(*, topic: str, event_type: str, task: Task, payload: dict[str, Any], at: datetime) -> None:
    emit(topic=topic, event_type=event_type, task_id=task.id, user_id=task.user_id, payload=payload, at=at)


def _created(task: Task) -> NewEvent:
    payload = {"task_id": task.id, "task": task_snapshot(task)}
    return NewEvent(
        topic=TASK_UPDATES, event_type=TASK_CREATED, task_id=task.id, user_id=task.user_id, payload=payload
    )


def emit_tasks_created(*, tasks: list[Task], at: datetime) -> None:
    """`task.created` of each new task, and `reminder.scheduled` of those with a reminder pending, in one
    insert."""
    scheduled = [
        _scheduled(task) for task in tasks if not task.reminder_sent and task.reminder_at is not None
    ]
    emit_many([*(_created(task) for task in tasks), *scheduled], at=at)


def _updated(task: Task, changed: list[str]) -> NewEvent:
    payload = {"task_id": task.id, "changed": changed, "task": task_snapshot(task)}
    return NewEvent(
        topic=TASK_UPDATES, event_type=TASK_UPDATED, task_id=task.id, user_id=task.user_id, payload=payload
    )


def emit_task_updated(*, task: Task, changed: list[str], at: datetime) -> None:
    emit_many([_updated(task, changed)], at=at)


def emit_tasks_updated(*, tasks: list[Task], changed: list[str], at: datetime) -> None:
    """`task.updated` of each task, the same change at the same instant: one insert for the batch."""
    emit_many([_updated(task, changed) for task in tasks], at=at)


def emit_task_deleted(*, task: Task, at: datetime) -> None:
    payload = {"task_id": task.id}
    _emit(topic=TASK_UPDATES, event_type=TASK_DELETED, task=task, payload=payload, at=at)


def task_completed_payload(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "completed_at": _iso(task.completed_at),
        "skipped": task.skipped,
        "recurring_pattern": task.recurring_pattern,
        "recurring_end_date": _iso(task.recurring_end_date),
        "recurrence_anchor": task.recurrence_anchor,
        "due_date": _iso(task.due_date),
        "timezone": task.timezone,
        "parent_task_id": task.parent_task_id,
    }


def emit_task_completion(*, task: Task, changed: list[str], at: datetime) -> None:
    """A completion's events in one insert: `task.completed` (unless the task was reopened), then
    `task.updated`."""
    completed = NewEvent(
        topic=TASK_EVENTS,
        event_type=TASK_COMPLETED,
        task_id=task.id,
        user_id=task.user_id,
        payload=task_completed_payload(task),
    )
    emit_many([*([completed] if task.completed else []), _updated(task, changed)], at=at)


def _scheduled(task: Task) -> NewEvent:
    payload = {
        "task_id": task.id,
        "title": task.title,
        "due_date": _iso(task.due_date),
        "reminder_at": _iso(task.reminder_at),  # the first pending one
        "pending": [_iso(instant) for instant in pending_instants(task.reminders, task.due_date)],
    }
    return NewEvent(
        topic=REMINDERS, event_type=REMINDER_SCHEDULED, task_id=task.id, user_id=task.user_id, payload=payload
    )


def emit_reminder_scheduled(*, task: Task, at: datetime) -> None:
    emit_many([_scheduled(task)], at=at)


def emit_reminder_cancelled(*, task: Task, reminder_at: datetime, at: datetime) -> None:
    payload = {"task_id": task.id, "reminder_at": _iso(reminder_at)}
    _emit(topic=REMINDERS, event_type=REMINDER_CANCELLED, task=task, payload=payload, at=at)
