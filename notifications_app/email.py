"""Reminder emails: rendered ahead of their instant, sent over one SMTP connection kept open per process.

Building a MIME message costs several times more than sending it (bench/reminders.py), so a reminder's
email is rendered when the reminder enters the scheduling horizon and kept with its row, together with a
key of everything it was rendered from. At the instant the delivery compares the key with the task as it
is then and renders again only when something changed. The message's `Date` is the reminder's instant
and its `Message-ID` is derived from (task, instant), so a message rendered early is the same bytes as
one rendered at the instant.
"""

import hashlib
import logging
import smtplib
import threading
from datetime import datetime
from email.utils import formatdate
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address
from django.template import engines
from django.template.loader import render_to_string

from tasks_app.models import Task

logger = logging.getLogger(__name__)

TEXT_TEMPLATE = "notifications/reminder_email.txt"
HTML_TEMPLATE = "notifications/reminder_email.html"
# The server answered and refused this one message; the connection is fine for the next one.
MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

_local = threading.local()


def message_id(*, task_id: int, remind_at: datetime) -> str:
    """Deterministic per (task, reminder instant): a rare duplicate email is recognisable as one."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<reminder-{task_id}-{int(remind_at.timestamp() * 1000)}@{domain}>"


@cache
def _templates_digest() -> str:
    """The templates' source: a deployment that changes them makes every key rendered before stale."""
    engine = engines["django"].engine  # type: ignore[attr-defined]  # the DjangoTemplates backend's Engine
    sources = [engine.get_template(name).source for name in (TEXT_TEMPLATE, HTML_TEMPLATE)]
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


def reminder_email_key(*, task: Task, remind_at: datetime) -> str:
    """A digest of everything the reminder's email is rendered from (`task.user` loaded)."""
    user = task.user
    parts = [
        _templates_digest(),
        settings.DEFAULT_FROM_EMAIL,
        settings.PUBLIC_BASE_URL,
        str(task.pk),
        task.title,
        task.description,
        task.due_date.isoformat() if task.due_date else "",
        task.timezone,
        user.email,
        user.timezone,
        remind_at.isoformat(),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def render_reminder_email(*, task: Task, remind_at: datetime) -> bytes:
    """The whole message, as sent over SMTP, to the task's user (`task.user` loaded)."""
    zone = ZoneInfo(task.user.timezone or task.timezone)
    context = {
        "task": task,
        "due_local": task.due_date.astimezone(zone) if task.due_date else None,
        "timezone": str(zone),
        "task_url": f"{settings.PUBLIC_BASE_URL.rstrip('/')}/tasks/{task.pk}",
    }
    email = EmailMultiAlternatives(
        # One line whatever the stored title holds: a line break in a header is refused (BadHeaderError).
        subject=f"Reminder: {' '.join(task.title.split())}",
        body=render_to_string(TEXT_TEMPLATE, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[task.user.email],
        headers={
            "Message-ID": message_id(task_id=task.pk, remind_at=remind_at),
            "Date": formatdate(remind_at.timestamp(), usegmt=True),
        },
    )
    email.attach_alternative(render_to_string(HTML_TEMPLATE, context), "text/html")
    rendered: bytes = email.message().as_bytes(linesep="\r\n")
    return rendered


def _connection() -> smtplib.SMTP:
    """The SMTP session of Django's SMTP backend, opened once per process (and thread)."""
    backend: EmailBackend | None = getattr(_local, "connection", None)
    if backend is None:
        opened = get_connection(fail_silently=False)
        if not isinstance(opened, EmailBackend):
            raise TypeError(f"reminders are sent over SMTP, not through {type(opened).__name__}")
        opened.open()
        backend = _local.connection = opened
    assert backend.connection is not None  # open() either connected or raised
    return backend.connection


def close_connection() -> None:
    connection: EmailBackend | None = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # the server may already be gone; nothing to release then
            logger.debug("closing the SMTP connection failed", exc_info=True)


@lru_cache(maxsize=4096)
def envelope_address(address: str) -> str:
    """The address as the SMTP envelope carries it; ValueError for one that cannot be an address."""
    return sanitize_address(address, settings.DEFAULT_CHARSET)


def send_rendered(*, recipient: str, message: bytes) -> None:
    """Send a rendered message to an envelope address on the process's open connection (Django's SMTP
    backend holds it); a connection the server has since dropped is reopened once."""
    for attempt in (1, 2):
        try:
            _connection().sendmail(envelope_address(settings.DEFAULT_FROM_EMAIL), [recipient], message)
        except smtplib.SMTPServerDisconnected:
            close_connection()
            if attempt == 2:
                raise
            continue
        except MESSAGE_REFUSED:
            raise
        except Exception:
            close_connection()
            raise
        return
