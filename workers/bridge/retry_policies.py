"""Retry policies per source topic and the one way Celery tasks apply them (docs/architecture.md, "Retries
and dead letters").

task-events (task completion): 3 retries after 30 s, 5 min, 30 min; reminders: 10 retries after 1, 2, 4,
..., 512 s (about 17 minutes); task-updates: 5 retries after 1, 2, 4, 8, 16 s. After the last retry the
event is dead-lettered; an event that can never succeed (PermanentEventError, or not an envelope at all)
is dead-lettered at once.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Task
from django.conf import settings
from opentelemetry.trace import SpanKind

from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import Envelope, InvalidEnvelopeError, parse_envelope
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES
from workers.telemetry import tracing

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    delays: tuple[float, ...]  # seconds before retry 1, 2, ...

    @property
    def max_retries(self) -> int:
        return len(self.delays)

    def delay(self, retries_done: int) -> float:
        """Seconds before the next retry, scaled by RETRY_DELAY_SCALE (tests shorten the schedule)."""
        return float(self.delays[retries_done] * settings.RETRY_DELAY_SCALE)


RETRY_POLICIES: dict[str, RetryPolicy] = {
    TASK_EVENTS: RetryPolicy(delays=(30, 5 * 60, 30 * 60)),
    REMINDERS: RetryPolicy(delays=tuple(float(2**n) for n in range(10))),
    TASK_UPDATES: RetryPolicy(delays=(1, 2, 4, 8, 16)),
}


class PermanentEventError(Exception):
    """The event can never be handled as it is (e.g. a bad pattern in stored data): dead-letter it now."""


def retry_or_dead_letter(
    task: Task[Any, Any], *, consumer: str, topic: str, event: Any, error: Exception, key: str = ""
) -> None:
    """Schedule the next retry of `task` by the topic's policy (raises celery's Retry), or, after the last
    one, dead-letter `event`. `task` is the bound Celery task that failed."""
    policy = RETRY_POLICIES[topic]
    retries = task.request.retries
    if retries < policy.max_retries:
        logger.warning(
            "%s failed (attempt %d of %d): %s", consumer, retries + 1, policy.max_retries + 1, error
        )
        raise task.retry(exc=error, countdown=policy.delay(retries), max_retries=policy.max_retries)
    _dead_letter(task, consumer=consumer, topic=topic, event=event, error=error, key=key)


def _dead_letter(
    task: Task[Any, Any],
    *,
    consumer: str,
    topic: str,
    event: Any,
    error: BaseException,
    key: str = "",
    event_id: str | None = None,
    attempts: int | None = None,
) -> None:
    """Dead-letter `event`, which `task` received; its event id and attempts are the message's unless given
    (an event of a batch fails on its first attempt, under its own id)."""
    if event_id is None:
        event_id = (task.request.headers or {}).get("event_id")
    failed = FailedEvent(
        topic=topic,
        consumer=consumer,
        envelope=event,
        key=key or (event.get("user_id", "") if isinstance(event, dict) else ""),
        headers={"event_id": event_id} if event_id else None,
    )
    record = dead_letter(
        failed=failed, error=error, attempts=task.request.retries + 1 if attempts is None else attempts
    )
    logger.error("event %s dead-lettered by %s: %s", record.event_id, consumer, error)


def handle_with_policy(
    task: Task[Any, Any], *, consumer: str, topic: str, event: Any, handler: Callable[[Envelope], object]
) -> None:
    """Run `handler` on the event; retry on failure by the topic's policy; dead-letter after the last try.

    `task` is the bound Celery task (`bind=True`) that received the event.
    """
    try:
        envelope = parse_envelope(event)
    except InvalidEnvelopeError as error:
        _dead_letter(task, consumer=consumer, topic=topic, event=event, error=error)
        return
    try:
        handler(envelope)
    except PermanentEventError as error:
        _dead_letter(task, consumer=consumer, topic=topic, event=event, error=error)
    except Exception as error:
        retry_or_dead_letter(task, consumer=consumer, topic=topic, event=event, error=error)


def handle_batch_with_policy(
    task: Task[Any, Any],
    *,
    consumer: str,
    topic: str,
    events: list[Any],
    traces: list[dict[str, str]] | None,
    handler: Callable[[Envelope], object],
    retry_task: Task[Any, Any],
    together: Callable[[list[Envelope]], object] | None = None,
) -> None:
    """Handle a batch the bridge handed over: each event as if it came alone, in order.

    `together`, for a consumer whose handling does not depend on the events' order, handles many events at
    once (in one transaction, with a few statements for all): the batch's events go through it, but for those
    in a sampled trace, which run alone to keep their own spans. If it fails, each of its events runs alone.

    An event that fails alone is not retried here, holding up the rest: it goes to `retry_task` (the one-event
    task, on the same queue) after the policy's first delay, as its first retry, and its later retries and
    dead letter follow from there. One that can never succeed is dead-lettered at once. `traces` holds each
    event's trace context (the bridge's span of its record), which its handling continues.
    """
    policy = RETRY_POLICIES[topic]
    queue = (task.request.delivery_info or {}).get("routing_key")
    parsed: list[tuple[Any, Envelope, dict[str, str]]] = []
    for index, event in enumerate(events):
        try:
            envelope = parse_envelope(event)
        except InvalidEnvelopeError as error:
            _dead_letter(task, consumer=consumer, topic=topic, event=event, error=error, attempts=1)
            continue
        parsed.append((event, envelope, traces[index] if traces and index < len(traces) else {}))
    if together is not None:
        untraced = [envelope for _, envelope, carrier in parsed if not tracing.sampled(carrier)]
        if len(untraced) > 1:
            try:
                together(untraced)
            except Exception as error:  # whatever it was, each event is tried alone below
                logger.warning("%s: a batch of %d failed (%s); each alone", consumer, len(untraced), error)
            else:
                parsed = [item for item in parsed if tracing.sampled(item[2])]
    for event, envelope, carrier in parsed:
        with tracing.continued_span(f"run/{retry_task.name}", carrier, kind=SpanKind.CONSUMER):
            try:
                handler(envelope)
            except PermanentEventError as error:
                _dead_letter(
                    task,
                    consumer=consumer,
                    topic=topic,
                    event=event,
                    error=error,
                    event_id=envelope.event_id,
                    attempts=1,
                )
            except Exception as error:
                logger.warning(
                    "%s failed on %s (attempt 1 of %d): %s",
                    consumer,
                    envelope.event_id,
                    policy.max_retries + 1,
                    error,
                )
                task.app.send_task(
                    retry_task.name,
                    args=[event],
                    countdown=policy.delay(0),
                    retries=1,
                    queue=queue,
                    task_id=f"{consumer}:{envelope.event_id}",
                    headers={"event_id": envelope.event_id},
                )
