"""Periodic housekeeping of the event plumbing (scheduled by Celery beat)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from workers.outbox import outbox_prune

logger = logging.getLogger(__name__)


@shared_task(name="workers.prune_outbox", ignore_result=True)
def prune_outbox() -> int:
    deleted = outbox_prune(published_before=timezone.now() - timedelta(hours=settings.OUTBOX_RETENTION_HOURS))
    logger.info("pruned %d published outbox rows", deleted)
    return deleted
