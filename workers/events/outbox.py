"""The one way any app writes an event: `emit()` (or `emit_many()` for a batch), inside the caller's
transaction."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from workers.events.envelope import build_envelope, to_millis
from workers.events.models import OutboxEvent
from workers.telemetry.tracing import current_context_headers

# Two events of one type for one task within the same millisecond would share an event_id
# (`{event_type}-{task_id}-{ms}`) and a consumer would drop the second as a duplicate. The insert skips
# taken ids and the event moves on by a millisecond; bounded so a bug cannot loop for ever.
MAX_ID_ATTEMPTS = 1000

_INSERT = f"""
    INSERT INTO {OutboxEvent._meta.db_table} (topic, key, event_id, event_type, payload, headers, origin)
    VALUES (%s, %s, %s, %s, %s, %s, 'emitted')
    ON CONFLICT (event_id) WHERE origin = 'emitted' DO NOTHING
    RETURNING id
"""  # noqa: S608 - the table name is ours, the values are parameters
_INSERT_MANY = f"""
    INSERT INTO {OutboxEvent._meta.db_table} (topic, key, event_id, event_type, payload, headers, origin)
    VALUES {{rows}}
    ON CONFLICT (event_id) WHERE origin = 'emitted' DO NOTHING
    RETURNING event_id
"""  # noqa: S608 - the table name is ours, the values are parameters


class OutsideTransactionError(RuntimeError):
    """emit() was called outside a transaction: the event could outlive a rolled-back change."""


@dataclass(frozen=True)
class NewEvent:
    """One event of a batch for `emit_many()`: `emit()`'s arguments but the instant."""

    topic: str
    event_type: str
    task_id: int
    user_id: str
    payload: dict[str, Any]


def _row(event: NewEvent, millis: int) -> tuple[dict[str, Any], list[Any]]:
    """The event's envelope at this millisecond, and its outbox row's values (the insert's parameters)."""
    envelope = build_envelope(
        event_type=event.event_type,
        task_id=event.task_id,
        user_id=event.user_id,
        payload=event.payload,
        millis=millis,
    )
    headers = {
        "event_id": envelope["event_id"],
        "event_type": event.event_type,
        **current_context_headers(),  # the trace of the request (or task) that wrote it, when traced
    }
    values = [
        event.topic,
        event.user_id,
        envelope["event_id"],
        event.event_type,
        json.dumps(envelope, cls=DjangoJSONEncoder),
        json.dumps(headers),
    ]
    return envelope, values


def emit(
    *, topic: str, event_type: str, task_id: int, user_id: str, payload: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Write one event to the outbox in the current transaction and return its envelope.

    The key is the user id, so each user's events stay in order on one partition.
    """
    if not connection.in_atomic_block:
        raise OutsideTransactionError("emit() must run inside the transaction that makes the change")
    event = NewEvent(topic=topic, event_type=event_type, task_id=task_id, user_id=user_id, payload=payload)
    return _insert_one(event, at=at)


def _insert_one(event: NewEvent, *, at: datetime) -> dict[str, Any]:
    """Insert the event at the first free millisecond from `at` on; its envelope."""
    millis = to_millis(at)
    with connection.cursor() as cursor:
        for _ in range(MAX_ID_ATTEMPTS):
            envelope, values = _row(event, millis)
            cursor.execute(_INSERT, values)
            if cursor.fetchone() is not None:
                return envelope
            millis += 1
    raise RuntimeError(
        f"no free event id for {event.event_type} of task {event.task_id} near {at.isoformat()}"
    )


def emit_many(events: Sequence[NewEvent], *, at: datetime) -> list[dict[str, Any]]:
    """`emit()` for a batch written at one instant, in one statement (a batched service's hot path).

    Returns the envelopes in the order given. An event whose id is taken (by an earlier write, or by an
    event before it in the batch) is written after the others, at the next free millisecond.
    """
    if not connection.in_atomic_block:
        raise OutsideTransactionError("emit_many() must run inside the transaction that makes the change")
    if not events:
        return []
    millis = to_millis(at)
    envelopes: list[dict[str, Any]] = []
    values: list[Any] = []
    for event in events:
        envelope, row = _row(event, millis)
        envelopes.append(envelope)
        values += row
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, 'emitted')"] * len(events))
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_MANY.format(rows=rows), values)
        written = {event_id for (event_id,) in cursor.fetchall()}
    for position, (event, envelope) in enumerate(zip(events, envelopes, strict=True)):
        if envelope["event_id"] in written:
            written.discard(envelope["event_id"])  # the first event of the batch with this id has it
        else:
            envelopes[position] = _insert_one(event, at=at)
    return envelopes


def emit_copy(
    *,
    topic: str,
    key: str,
    envelope: Any,
    headers: dict[str, str],
    origin: OutboxEvent.Origin,
) -> OutboxEvent:
    """Write an existing event again (to a dead-letter topic, or back to its topic for a replay)."""
    if not connection.in_atomic_block:
        raise OutsideTransactionError("emit_copy() must run inside the transaction that records why")
    return OutboxEvent.objects.create(
        topic=topic,
        key=key,
        event_id=headers.get("event_id", ""),
        event_type=headers.get("event_type", ""),
        payload=envelope,
        headers=headers,
        origin=origin,
    )


def outbox_resend(*, ids: list[int]) -> int:
    """Hand rows the relay gave up on back to it (after the cause is fixed); returns how many."""
    return OutboxEvent.objects.filter(id__in=ids, published_at__isnull=True, failed_at__isnull=False).update(
        failed_at=None, attempts=0, next_attempt_at=None, last_error=""
    )


PRUNE_CHUNK = 10_000


def outbox_prune(*, published_before: datetime) -> int:
    """Delete rows published before the cut-off, in chunks so no statement holds locks for long."""
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(published_at__lt=published_before).values_list("id", flat=True)[
                :PRUNE_CHUNK
            ]
        )
        if not ids:
            return deleted
        deleted += OutboxEvent.objects.filter(id__in=ids).delete()[0]
