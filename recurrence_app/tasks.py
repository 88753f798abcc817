"""Celery interface of the recurrence worker: `task.completed` events from the bridge."""

from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from recurrence_app.services import CONSUMER, occurrence_create_next
from workers.kafka import TASK_EVENTS
from workers.retry_policies import handle_with_policy


@shared_task(bind=True, name="recurrence.handle_task_completed", acks_late=True, reject_on_worker_lost=True)
def handle_task_completed(self: Task[Any, Any], event: dict[str, Any]) -> None:
    handle_with_policy(
        self,
        consumer=CONSUMER,
        topic=TASK_EVENTS,
        event=event,
        handler=lambda envelope: occurrence_create_next(envelope=envelope, now=timezone.now()),
    )
