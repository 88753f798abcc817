"""Rendering and sending reminder emails over SMTP, on one connection kept open per worker process."""

import logging
import smtplib
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

from tasks_app.models import Task

logger = logging.getLogger(__name__)

_local = threading.local()


def message_id(*, task_id: int, remind_at: datetime) -> str:
    """Deterministic per (task, reminder instant): a rare duplicate email is recognisable as one."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<reminder-{task_id}-{int(remind_at.timestamp() * 1000)}@{domain}>"


def build_reminder_email(*, task: Task, to: str, remind_at: datetime) -> EmailMultiAlternatives:
    zone = ZoneInfo(task.user.timezone or task.timezone)
    context = {
        "task": task,
        "due_local": task.due_date.astimezone(zone) if task.due_date else None,
        "timezone": str(zone),
        "task_url": f"{settings.PUBLIC_BASE_URL.rstrip('/')}/tasks/{task.pk}",
    }
    email = EmailMultiAlternatives(
        subject=f"Reminder: {task.title}",
        body=render_to_string("notifications/reminder_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(task_id=task.pk, remind_at=remind_at)},
    )
    email.attach_alternative(render_to_string("notifications/reminder_email.html", context), "text/html")
    return email


def _connection() -> BaseEmailBackend:
    connection: BaseEmailBackend | None = getattr(_local, "connection", None)
    if connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _local.connection = connection
    return connection


def close_connection() -> None:
    connection: BaseEmailBackend | None = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # the server may already be gone; nothing to release then
            logger.debug("closing the SMTP connection failed", exc_info=True)


def send(email: EmailMultiAlternatives) -> None:
    """Send on the process's open connection; a connection the server has since dropped is reopened once."""
    for attempt in (1, 2):
        try:
            sent = _connection().send_messages([email])
        except smtplib.SMTPServerDisconnected:
            close_connection()
            if attempt == 2:
                raise
            continue
        except Exception:
            close_connection()
            raise
        if sent != 1:
            close_connection()
            raise RuntimeError("the SMTP backend did not send the message")
        return
