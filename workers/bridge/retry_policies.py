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

from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import Envelope, InvalidEnvelopeError, parse_envelope
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES

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


def next_retry_delay(task: Task[Any, Any], *, topic: str) -> float | None:
    """Seconds until `retry_or_dead_letter` would run `task` again; None when it would dead-letter."""
    policy = RETRY_POLICIES[topic]
    retries = task.request.retries
    return policy.delay(retries) if retries < policy.max_retries else None


def _dead_letter(
    task: Task[Any, Any], *, consumer: str, topic: str, event: Any, error: BaseException, key: str = ""
) -> None:
    headers = task.request.headers or {}
    failed = FailedEvent(
        topic=topic,
        consumer=consumer,
        envelope=event,
        key=key or (event.get("user_id", "") if isinstance(event, dict) else ""),
        headers={"event_id": headers["event_id"]} if "event_id" in headers else None,
    )
    record = dead_letter(failed=failed, error=error, attempts=task.request.retries + 1)
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
