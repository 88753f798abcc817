"""What the assistant says: tasks and field errors in a sentence, times in the user's own zone."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tasks_app.models import Priority, Task
from tasks_app.reminders import iso_duration, load


def when(instant: datetime, *, zone: str, now: datetime) -> str:
    """ "Fri 4 Dec 17:00" in the user's zone; with the year when it is not this year's."""
    local = instant.astimezone(ZoneInfo(zone))
    year = "" if local.year == now.astimezone(ZoneInfo(zone)).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def task_name(task: Task) -> str:
    return f'"{task.title}" (#{task.pk})'


def task_summary(task: Task, *, zone: str, now: datetime) -> str:
    """The task and what it carries: '"buy milk" (#12), due Fri 4 Dec 17:00, high priority, #home'."""
    parts = [task_name(task)]
    if task.due_date is not None:
        parts.append(f"due {when(task.due_date, zone=zone, now=now)}")
    if task.priority != Priority.MEDIUM:
        parts.append(f"{task.priority} priority")
    parts.extend(f"#{tag}" for tag in task.tags)
    if task.recurring_pattern:
        parts.append(f"repeating {task.recurring_pattern}")
    for reminder in load(task.reminders, task.due_date):
        if reminder.spec.before_due is not None:
            parts.append(f"a reminder {iso_duration(reminder.spec.before_due)} before")
        elif reminder.instant is not None:
            parts.append(f"a reminder at {when(reminder.instant, zone=zone, now=now)}")
    if task.completed:
        parts.append("skipped" if task.skipped else "done")
    return ", ".join(parts)


def choices(tasks: Sequence[Task], *, zone: str, now: datetime) -> str:
    """ "#12 "report" (due Fri 4 Dec 17:00) or #31 "report draft"": a question's options."""
    named = [
        task_name(task)
        if task.due_date is None
        else f"{task_name(task)}, due {when(task.due_date, zone=zone, now=now)}"
        for task in tasks
    ]
    return named[0] if len(named) == 1 else f"{'; '.join(named[:-1])} or {named[-1]}"


def field_errors(detail: Any, prefix: str = "") -> list[str]:
    """DRF's error detail (`{field: [messages]}`, nested for lists and objects) as "field: message" lines."""
    if isinstance(detail, Mapping):
        return [
            line
            for name, value in detail.items()
            for line in field_errors(value, f"{prefix}.{name}" if prefix else str(name))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [
                f"{prefix}: {item}" if prefix and prefix != "non_field_errors" else str(item)
                for item in detail
            ]
        return [
            line for index, item in enumerate(detail) for line in field_errors(item, f"{prefix}[{index}]")
        ]
    return [f"{prefix}: {detail}" if prefix else str(detail)]
