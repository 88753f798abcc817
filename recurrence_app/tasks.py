"""Celery interface of the recurrence worker: `task.completed` events from the bridge (in batches; one at a
time for a retry), and the owed sweep."""

from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from recurrence_app.services import (
    CONSUMER,
    occurrence_create_next,
    occurrences_create_next,
    occurrences_create_owed,
)
from workers.bridge.retry_policies import handle_batch_with_policy, handle_with_policy
from workers.kafka.clients import TASK_EVENTS


@shared_task(bind=True, name="recurrence.handle_task_completed", acks_late=True, reject_on_worker_lost=True)
def handle_task_completed(self: Task[Any, Any], event: dict[str, Any]) -> None:
    handle_with_policy(
        self,
        consumer=CONSUMER,
        topic=TASK_EVENTS,
        event=event,
        handler=lambda envelope: occurrence_create_next(envelope=envelope, now=timezone.now()),
    )


@shared_task(
    bind=True, name="recurrence.handle_task_completed_batch", acks_late=True, reject_on_worker_lost=True
)
def handle_task_completed_batch(
    self: Task[Any, Any], events: list[Any], traces: list[dict[str, str]] | None = None
) -> None:
    """`task.completed` events of one fetch (each partition's in its order): together in a few statements,
    or (when that fails) each alone, in order; each failed one is retried alone."""
    handle_batch_with_policy(
        self,
        consumer=CONSUMER,
        topic=TASK_EVENTS,
        events=events,
        traces=traces,
        handler=lambda envelope: occurrence_create_next(envelope=envelope, now=timezone.now()),
        retry_task=handle_task_completed,
        # What a completion owes is read from the database as it is now: the events' order does not matter.
        together=lambda envelopes: occurrences_create_next(envelopes=envelopes, now=timezone.now()),
    )


@shared_task(name="recurrence.create_owed_occurrences", ignore_result=True)
def create_owed_occurrences() -> int:
    return occurrences_create_owed(
        now=timezone.now(), owed_for=timedelta(seconds=settings.RECURRENCE_OWED_AFTER_SECONDS)
    )
