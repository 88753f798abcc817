"""Dead letters: record a failed event and copy it to `<topic>-dlq` in one transaction; retry or discard.

The copy carries the original key, value and headers plus Kafka Connect's error headers
(`__connect.errors.*`), so tools that read Connect dead-letter topics read ours too. A retry publishes the
original event again, unless the consumer that failed has a retry handler of its own
(`settings.DEAD_LETTER_RETRIES`, configured at the composition root, which knows the apps).
"""

import traceback as traceback_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from workers.dead_letters.models import DeadLetter
from workers.events.models import OutboxEvent
from workers.events.outbox import emit_copy
from workers.kafka.clients import dlq_topic
from workers.telemetry.tracing import current_context_headers

MAX_MESSAGE_LENGTH = 2000


@dataclass(frozen=True)
class FailedEvent:
    """Where a failed event came from; `envelope` is the decoded event, or the raw text it arrived as."""

    topic: str
    consumer: str
    envelope: Any
    key: str = ""
    headers: dict[str, str] | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def event_id(self) -> str:
        if isinstance(self.envelope, dict) and isinstance(self.envelope.get("event_id"), str):
            return str(self.envelope["event_id"])
        # An unreadable record has no id of its own: its place in the log is one.
        return f"unreadable-{self.topic}-{self.partition}-{self.offset}"

    def field(self, name: str) -> Any:
        return self.envelope.get(name) if isinstance(self.envelope, dict) else None


def _error_headers(failed: FailedEvent, error: BaseException) -> dict[str, str]:
    return {
        "__connect.errors.topic": failed.topic,
        "__connect.errors.partition": "" if failed.partition is None else str(failed.partition),
        "__connect.errors.offset": "" if failed.offset is None else str(failed.offset),
        "__connect.errors.exception.class.name": type(error).__qualname__,
        "__connect.errors.exception.message": str(error)[:MAX_MESSAGE_LENGTH],
        "__connect.errors.consumer": failed.consumer,
    }


def _original_headers(failed: FailedEvent) -> dict[str, str]:
    headers = dict(failed.headers or {})
    headers.setdefault("event_id", failed.event_id)
    event_type = failed.field("event_type")
    headers.setdefault("event_type", event_type if isinstance(event_type, str) else "")
    return headers


@transaction.atomic
def dead_letter(
    *, failed: FailedEvent, error: BaseException, attempts: int = 1, at: datetime | None = None
) -> DeadLetter:
    """Record the failure (one record per consumer and event) and publish a copy to the DLQ topic."""
    at = at or timezone.now()
    event_type = failed.field("event_type")
    task_id = failed.field("task_id")
    user_id = failed.field("user_id")
    trace = "".join(traceback_module.format_exception(error)) if error.__traceback__ else ""
    record = (
        DeadLetter.objects.select_for_update()
        .filter(consumer=failed.consumer, event_id=failed.event_id)
        .first()
    )
    if record is None:
        record = DeadLetter(
            consumer=failed.consumer, event_id=failed.event_id, first_failed_at=at, attempts=0
        )
    else:
        # A retried event that fails again is new work for the operators again.
        record.status = DeadLetter.Status.NEW
        record.status_reason = ""
        record.status_changed_at = at
    record.event_type = event_type if isinstance(event_type, str) else ""
    record.task_id = task_id if isinstance(task_id, int) and not isinstance(task_id, bool) else None
    record.user_id = user_id if isinstance(user_id, str) else failed.key
    record.original_topic = failed.topic
    record.partition = failed.partition
    record.offset = failed.offset
    record.key = failed.key
    record.envelope = failed.envelope
    record.headers = _original_headers(failed)
    record.error_class = f"{type(error).__module__}.{type(error).__qualname__}"
    record.error_message = str(error)[:MAX_MESSAGE_LENGTH]
    record.traceback = trace
    record.attempts += attempts
    record.last_failed_at = at
    record.save()
    emit_copy(
        topic=dlq_topic(failed.topic),
        key=failed.key,
        envelope=failed.envelope,
        headers={**record.headers, **_error_headers(failed, error)},
        origin=OutboxEvent.Origin.DEAD_LETTER,
    )
    return record


class NotRetryableError(Exception):
    """The dead letter was already retried (and has not failed since), or was discarded or resolved, or its
    consumer's retry handler refuses it."""


# Does a dead letter's work again itself, in the retry's transaction, rather than having its event
# published again; raises NotRetryableError (with the reason) to refuse, and then nothing is retried.
RetryHandler = Callable[[DeadLetter, datetime], object]


def retry_handlers() -> Mapping[str, RetryHandler]:
    """The consumers that retry their dead letters themselves, by consumer name: `DEAD_LETTER_RETRIES`."""
    handlers: Mapping[str, RetryHandler] = import_string(settings.DEAD_LETTER_RETRIES)
    return handlers


@transaction.atomic
def dead_letters_retry(*, records: Iterable[DeadLetter], at: datetime | None = None) -> list[DeadLetter]:
    """Retry each dead letter and mark it retried: its consumer's retry handler does the work again, or,
    for a consumer without one, the original event is published to its original topic again (the outbox)."""
    at = at or timezone.now()
    ids = [record.pk for record in records]
    locked = list(DeadLetter.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    refused = [record.event_id for record in locked if record.status != DeadLetter.Status.NEW]
    if refused:
        raise NotRetryableError(f"not waiting for a retry: {', '.join(refused)}")
    unreadable = [record.event_id for record in locked if not isinstance(record.envelope, dict)]
    if unreadable:
        raise NotRetryableError(f"not an event, cannot be sent again: {', '.join(unreadable)}")
    handlers = retry_handlers()
    for record in locked:
        handler = handlers.get(record.consumer)
        if handler is not None:
            handler(record, at)
        else:
            emit_copy(
                topic=record.original_topic,
                key=record.key,
                envelope=record.envelope,
                headers={**record.headers, **current_context_headers()},  # the retry's trace, when traced
                origin=OutboxEvent.Origin.REPLAY,
            )
        record.status = DeadLetter.Status.RETRIED
        record.status_reason = ""
        record.status_changed_at = at
        record.save(update_fields=["status", "status_reason", "status_changed_at"])
    return locked


@transaction.atomic
def dead_letters_close(
    *, records: Iterable[DeadLetter], status: DeadLetter.Status, reason: str, at: datetime | None = None
) -> int:
    """Discard or resolve dead letters, with the operator's reason."""
    if status not in (DeadLetter.Status.DISCARDED, DeadLetter.Status.RESOLVED):
        raise ValueError(f"cannot close a dead letter as {status}")
    return DeadLetter.objects.filter(pk__in=[record.pk for record in records]).update(
        status=status, status_reason=reason, status_changed_at=at or timezone.now()
    )


@transaction.atomic
def dead_letters_retry_by_event_id(
    *, event_ids: Iterable[str], at: datetime | None = None
) -> list[DeadLetter]:
    """Retry every dead letter of these events that waits for a retry (one per failed consumer).

    DeadLetter.DoesNotExist names the events without any record; NotRetryableError the events none of
    whose records waits for a retry. Either way nothing is retried.
    """
    wanted = list(dict.fromkeys(event_ids))
    records = list(DeadLetter.objects.select_for_update().filter(event_id__in=wanted).order_by("pk"))
    found = {record.event_id for record in records}
    missing = [event_id for event_id in wanted if event_id not in found]
    if missing:
        raise DeadLetter.DoesNotExist(f"no dead letter for: {', '.join(missing)}")
    waiting = [record for record in records if record.status == DeadLetter.Status.NEW]
    waiting_ids = {record.event_id for record in waiting}
    stale = [event_id for event_id in wanted if event_id not in waiting_ids]
    if stale:
        raise NotRetryableError(f"not waiting for a retry: {', '.join(stale)}")
    return dead_letters_retry(records=waiting, at=at)
