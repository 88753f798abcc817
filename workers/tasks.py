"""Periodic housekeeping of the event plumbing (scheduled by Celery beat)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from prometheus_client import Gauge

from workers.dead_letters.selectors import dead_letters_waiting
from workers.events.idempotency import processed_events_prune
from workers.events.outbox import outbox_prune

# Set in whichever pool process of the worker ran the report: the latest report is the count.
DEAD_LETTERS_WAITING = Gauge(
    "dead_letters_waiting",
    "Dead letters waiting for an operator, per source topic and consumer (reported every minute)",
    ["topic", "consumer"],
    multiprocess_mode="mostrecent",
)

logger = logging.getLogger(__name__)


@shared_task(name="workers.prune_outbox", ignore_result=True)
def prune_outbox() -> int:
    deleted = outbox_prune(published_before=timezone.now() - timedelta(hours=settings.OUTBOX_RETENTION_HOURS))
    logger.info("pruned %d published outbox rows", deleted)
    return deleted


@shared_task(name="workers.prune_processed_events", ignore_result=True)
def prune_processed_events() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.PROCESSED_EVENTS_RETENTION_HOURS)
    deleted = processed_events_prune(processed_before=cutoff)
    logger.info("pruned %d processed-event records", deleted)
    return deleted


@shared_task(name="workers.report_dead_letters", ignore_result=True)
def report_dead_letters() -> int:
    """Logs and exports how many dead letters wait; returns how many in all."""
    counts = dead_letters_waiting()
    for (topic, consumer), count in counts.items():
        DEAD_LETTERS_WAITING.labels(topic=topic, consumer=consumer).set(count)
    waiting = {f"{topic} ({consumer})": count for (topic, consumer), count in counts.items() if count}
    if waiting:
        logger.warning("dead letters waiting for triage: %s", waiting)
    return sum(waiting.values())
