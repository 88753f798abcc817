"""Periodic housekeeping of the event plumbing (scheduled by Celery beat)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from prometheus_client import Gauge

from workers.dead_letters.services import dead_letters_new_by_topic
from workers.events.idempotency import processed_events_prune
from workers.events.outbox import outbox_prune

NEW_DEAD_LETTERS = Gauge("dead_letters_new", "Dead letters waiting for triage", ["topic"])

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
def report_dead_letters() -> dict[str, int]:
    counts = dead_letters_new_by_topic()
    for topic, count in counts.items():
        NEW_DEAD_LETTERS.labels(topic=topic).set(count)
    if counts:
        logger.warning("dead letters waiting for triage: %s", counts)
    return counts
