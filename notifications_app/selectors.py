"""Reads of the reminder schedule that other modules need: a reminder found by what identifies it."""

from datetime import datetime

from notifications_app.models import Reminder


def reminder_id_at(*, task_id: int, remind_at: datetime) -> int | None:
    """The id of a task's reminder at an instant (unique per task and instant), or None."""
    return Reminder.objects.filter(task_id=task_id, remind_at=remind_at).values_list("id", flat=True).first()
