"""The environment of the reminder workers the tests start (`make run`'s, with a short horizon and short
SMTP retry delays), and reminders made ready for delivery without the pipeline."""

from datetime import UTC, datetime
from typing import Any

from notifications_app.services import reminder_sync
from tasks_app.models import Task
from tasks_app.reminders import ReminderSpec, store
from tests.support.factories import TaskFactory
from tests.support.smtp import SmtpSink

HORIZON = 3  # seconds: "beyond the horizon" needs only a few seconds of waiting


def reminder_env(smtp: SmtpSink, **extra: str) -> dict[str, str]:
    """The workers' settings: `make run`'s, except a short horizon and short SMTP retry delays.

    The scan interval, the lost-reminder threshold and Celery's visibility timeout stay at their defaults:
    recovery from a killed worker is tested as it runs in production.
    """
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "REMINDER_HORIZON_SECONDS": str(HORIZON),
        "RETRY_DELAY_SCALE": "0.002",
        **extra,
    }


def set_reminders(task: Task, *instants: datetime, done: tuple[datetime, ...] = ()) -> Task:
    """Give the task reminders at these instants (those in `done` sent), saved as the services store them,
    without their events: the schedule learns of them only when a test syncs it."""
    stored = store([ReminderSpec(at=instant) for instant in instants], due_date=task.due_date, done=done)
    task.reminders, task.reminder_at, task.reminder_sent = (
        stored.reminders,
        stored.reminder_at,
        stored.reminder_sent,
    )
    task.save(update_fields=["reminders", "reminder_at", "reminder_sent"])
    return task


def enqueued_task(remind_at: datetime, **fields: Any) -> Task:
    """A task whose reminder is enqueued for delivery, as the schedule leaves it within the horizon."""
    task: Task = TaskFactory(reminder_at=remind_at, **fields)
    reminder_sync(task_id=task.pk, user_id=task.user_id, now=datetime.now(tz=UTC), enqueue=lambda _: None)
    return task
