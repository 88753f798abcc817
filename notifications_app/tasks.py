"""Celery interface of reminders: schedule updates from events, the beat scan, and exact-time delivery."""

import logging
import time
from datetime import datetime
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from notifications_app.delivery import reminders_deliver_due
from notifications_app.delivery_slots import DeliverySlots, delivery_start, slot_end
from notifications_app.services import reminder_sync, reminders_enqueue_due, reminders_sync
from workers.bridge.retry_policies import handle_batch_with_policy, handle_with_policy
from workers.events.envelope import Envelope, iso_utc, to_millis
from workers.kafka.clients import REMINDERS

logger = logging.getLogger(__name__)

CONSUMER = "reminders"
DELIVERY_QUEUE = "reminder-deliveries"

_slots = DeliverySlots()


def enqueue_delivery(instant: datetime) -> None:
    """An ETA delivery task for reminders due at `instant`, unless one this process enqueued covers it."""
    now = timezone.now()
    start = delivery_start(instant, now=now)
    if _slots.covers(start, now=now):
        return
    deliver_due_reminders.apply_async(
        args=(iso_utc(slot_end(start)),),
        eta=start,
        task_id=f"reminders-due-{to_millis(start)}",
        queue=DELIVERY_QUEUE,
    )
    _slots.record(start, now=now)


@shared_task(bind=True, name="notifications.handle_reminder_event")
def handle_reminder_event(self: Task[Any, Any], event: dict[str, Any]) -> None:
    handle_with_policy(
        self,
        consumer=CONSUMER,
        topic=REMINDERS,
        event=event,
        handler=_sync_reminders,
    )


def _sync_many_reminders(envelopes: list[Envelope]) -> None:
    tasks = [(envelope.task_id, envelope.user_id) for envelope in envelopes]
    reminders_sync(tasks=tasks, now=timezone.now(), enqueue=enqueue_delivery)


def _sync_reminders(envelope: Envelope) -> None:
    reminder_sync(
        task_id=envelope.task_id, user_id=envelope.user_id, now=timezone.now(), enqueue=enqueue_delivery
    )


@shared_task(bind=True, name="notifications.handle_reminder_events")
def handle_reminder_events(
    self: Task[Any, Any], events: list[Any], traces: list[dict[str, str]] | None = None
) -> None:
    """Reminder events of one fetch (each partition's in its order); each failed one is retried alone."""
    handle_batch_with_policy(
        self,
        consumer=CONSUMER,
        topic=REMINDERS,
        events=events,
        traces=traces,
        handler=_sync_reminders,
        retry_task=handle_reminder_event,
        together=_sync_many_reminders,  # the schedule follows each task as it is now: order does not matter
    )


@shared_task(name="notifications.enqueue_due_reminders", ignore_result=True)
def enqueue_due_reminders() -> int:
    return reminders_enqueue_due(now=timezone.now(), enqueue=enqueue_delivery)


@shared_task(
    name="notifications.deliver_due_reminders",
    autoretry_for=(DatabaseError,),
    retry_backoff=1,
    max_retries=5,
)
def deliver_due_reminders(until: str, wait: bool = True) -> int:
    """Deliver the reminders due now; with `wait`, also those falling due before `until`, each at its time."""

    def call_for_help() -> None:
        deliver_due_reminders.apply_async(args=(until,), kwargs={"wait": False}, queue=DELIVERY_QUEUE)

    return reminders_deliver_due(
        until=datetime.fromisoformat(until),
        wait=wait,
        batch_size=settings.REMINDER_DELIVERY_BATCH,
        now=timezone.now,
        sleep=time.sleep,
        enqueue=enqueue_delivery,
        call_for_help=call_for_help,
    )
