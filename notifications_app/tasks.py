"""Celery interface of reminders: schedule updates from events, the beat scan, and exact-time delivery."""

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from notifications_app.models import Reminder
from notifications_app.services import (
    SmtpFailedError,
    reminder_deliver,
    reminder_fail,
    reminder_note_retry,
    reminder_sync,
    reminders_enqueue_due,
)
from workers.events import build_envelope, iso_utc, to_millis
from workers.kafka import REMINDERS
from workers.retry_policies import handle_with_policy, next_retry_delay, retry_or_dead_letter

logger = logging.getLogger(__name__)

CONSUMER = "reminders"
DELIVERY = "reminders-delivery"
DELIVERY_QUEUE = "reminder-deliveries"


def enqueue_delivery(reminder: Reminder) -> None:
    """The ETA task of one version of a reminder; its id says which, so duplicates are visible."""
    deliver_reminder.apply_async(
        args=(reminder.pk, reminder.version),
        eta=reminder.remind_at,
        task_id=f"reminder-{reminder.pk}-v{reminder.version}",
        queue=DELIVERY_QUEUE,
    )


@shared_task(bind=True, name="notifications.handle_reminder_event")
def handle_reminder_event(self: Task[Any, Any], event: dict[str, Any]) -> None:
    handle_with_policy(
        self,
        consumer=CONSUMER,
        topic=REMINDERS,
        event=event,
        handler=lambda envelope: reminder_sync(
            task_id=envelope.task_id, user_id=envelope.user_id, now=timezone.now(), enqueue=enqueue_delivery
        ),
    )


@shared_task(name="notifications.enqueue_due_reminders", ignore_result=True)
def enqueue_due_reminders() -> int:
    return reminders_enqueue_due(now=timezone.now(), enqueue=enqueue_delivery)


def _as_event(reminder: Reminder) -> dict[str, Any]:
    """The reminder as a `reminder.scheduled` event, for the dead-letter queue: retrying it reschedules."""
    return build_envelope(
        event_type="reminder.scheduled",
        task_id=reminder.task_id,
        user_id=reminder.user_id,
        payload={"task_id": reminder.task_id, "reminder_at": iso_utc(reminder.remind_at)},
        millis=to_millis(reminder.remind_at),
    )


@shared_task(bind=True, name="notifications.deliver_reminder")
def deliver_reminder(self: Task[Any, Any], reminder_id: int, version: int) -> str:
    try:
        delivery = reminder_deliver(reminder_id=reminder_id, version=version, now=timezone.now)
    except SmtpFailedError as error:
        reminder = Reminder.objects.get(pk=reminder_id)
        now = timezone.now()
        delay = next_retry_delay(self, topic=REMINDERS)
        if delay is None:
            reminder_fail(reminder_id=reminder_id, version=version, error=str(error), now=now)
        else:
            reminder_note_retry(
                reminder_id=reminder_id, version=version, at=now + timedelta(seconds=delay), now=now
            )
        retry_or_dead_letter(
            self,
            consumer=DELIVERY,
            topic=REMINDERS,
            event=_as_event(reminder),
            error=error,
            key=reminder.user_id,
        )
        return "failed"
    if delivery.outcome == "early" and delivery.reminder is not None:
        raise self.retry(eta=delivery.reminder.remind_at, max_retries=None)
    logger.info("reminder %s v%s: %s", reminder_id, version, delivery.outcome)
    return delivery.outcome
