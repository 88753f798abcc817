"""Celery tasks that exist only for the test suite; test workers load them with
`-I tests.support.worker_tasks`."""

from typing import Any

from celery import Task, shared_task
from django.db import transaction

from workers.bridge.retry_policies import PermanentEventError, handle_batch_with_policy, handle_with_policy
from workers.events.envelope import Envelope
from workers.events.idempotency import record_processed
from workers.kafka.clients import TASK_EVENTS

BATCH_CONSUMER = "tests-batch"
TOGETHER_CONSUMER = "tests-batch-together"  # what the batch handler recorded, rather than each event's


def _explode(envelope: Envelope) -> None:
    raise RuntimeError(f"handler always fails ({envelope.event_id})")


@shared_task(bind=True, name="tests.always_fails")
def always_fails(self: Task[Any, Any], event: dict[str, Any], topic: str) -> None:
    handle_with_policy(self, consumer="tests-always-fails", topic=topic, event=event, handler=_explode)


def _as_the_payload_says(envelope: Envelope) -> None:
    """Fails for ever (`"fails"`), can never succeed (`"permanent"`), or records the event as processed."""
    match envelope.payload.get("outcome"):
        case "fails":
            raise RuntimeError(f"handler fails ({envelope.event_id})")
        case "permanent":
            raise PermanentEventError(f"never ({envelope.event_id})")
        case _:
            with transaction.atomic():
                record_processed(consumer=BATCH_CONSUMER, event_id=envelope.event_id)


def _all_at_once(envelopes: list[Envelope]) -> None:
    """Records every event in one transaction, unless one of them is to fail: then none is."""
    with transaction.atomic():
        for envelope in envelopes:
            if envelope.payload.get("outcome"):
                raise RuntimeError(f"a batch with {envelope.event_id} in it fails")
            record_processed(consumer=TOGETHER_CONSUMER, event_id=envelope.event_id)


@shared_task(bind=True, name="tests.handle_one")
def handle_one(self: Task[Any, Any], event: dict[str, Any]) -> None:
    handle_with_policy(
        self, consumer=BATCH_CONSUMER, topic=TASK_EVENTS, event=event, handler=_as_the_payload_says
    )


@shared_task(bind=True, name="tests.handle_batch")
def handle_batch(self: Task[Any, Any], events: list[Any], traces: list[dict[str, str]] | None = None) -> None:
    handle_batch_with_policy(
        self,
        consumer=BATCH_CONSUMER,
        topic=TASK_EVENTS,
        events=events,
        traces=traces,
        handler=_as_the_payload_says,
        retry_task=handle_one,
        together=_all_at_once,
    )
