"""Celery interface of webhooks: the fan-out of each task event to its endpoints, the deliveries, the sweep
of lost deliveries and the prune of old ones."""

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from webhooks_app import services
from webhooks_app.delivery import webhook_deliver
from workers.bridge.retry_policies import handle_with_policy
from workers.kafka.clients import TASK_UPDATES

logger = logging.getLogger(__name__)

CONSUMER = "webhooks"
DELIVERY_QUEUE = "webhook-deliveries"


def enqueue_delivery(delivery_id: int, countdown: float = 0.0) -> None:
    """The delivery's task: at once (a plain message, not an ETA task the worker would hold in its timer), or
    `countdown` seconds from now for a retry."""
    if countdown > 0:
        deliver_webhook.apply_async(args=(delivery_id,), countdown=countdown, queue=DELIVERY_QUEUE)
    else:
        deliver_webhook.apply_async(args=(delivery_id,), queue=DELIVERY_QUEUE)


@shared_task(bind=True, name="webhooks.handle_task_event")
def handle_task_event(self: Task[Any, Any], event: dict[str, Any]) -> None:
    handle_with_policy(
        self,
        consumer=CONSUMER,
        topic=TASK_UPDATES,
        event=event,
        handler=lambda envelope: services.deliveries_create(
            envelope=envelope, at=timezone.now(), enqueue=enqueue_delivery
        ),
    )


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver_webhook(delivery_id: int) -> str | None:
    return webhook_deliver(delivery_id=delivery_id, now=timezone.now, enqueue=enqueue_delivery)


@shared_task(name="webhooks.enqueue_owed_deliveries", ignore_result=True)
def enqueue_owed_deliveries() -> int:
    """Pending deliveries whose task was lost (a Redis restart, a killed worker) get one again."""
    owed = services.deliveries_owed(
        now=timezone.now(), lost_after=timedelta(seconds=settings.WEBHOOKS_LOST_AFTER_SECONDS)
    )
    for delivery_id in owed:
        enqueue_delivery(delivery_id)
    if owed:
        logger.warning("%d webhook deliveries had lost their task: enqueued again", len(owed))
    return len(owed)


@shared_task(name="webhooks.prune_deliveries", ignore_result=True)
def prune_deliveries() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.WEBHOOKS_DELIVERY_RETENTION_HOURS)
    deleted = services.deliveries_prune(finished_before=cutoff)
    logger.info("pruned %d webhook deliveries", deleted)
    return deleted
