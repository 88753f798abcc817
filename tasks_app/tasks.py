"""Periodic housekeeping of the task API (scheduled by Celery beat)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tasks_app.idempotency import idempotency_keys_prune

logger = logging.getLogger(__name__)


@shared_task(name="tasks.prune_idempotency_keys", ignore_result=True)
def prune_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
    deleted = idempotency_keys_prune(created_before=cutoff)
    logger.info("pruned %d remembered Idempotency-Key responses", deleted)
    return deleted
