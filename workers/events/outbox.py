"""The one way any app writes an event: `emit()`, inside the caller's transaction."""

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from workers.events.envelope import build_envelope, to_millis
from workers.events.models import OutboxEvent
from workers.events.trace_context import traceparent_for_event

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


class OutsideTransactionError(RuntimeError):
    """emit() was called outside a transaction: the event could outlive a rolled-back change."""


def emit(
    *, topic: str, event_type: str, task_id: int, user_id: str, payload: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Write one event to the outbox in the current transaction and return its envelope.

    The key is the user id, so each user's events stay in order on one partition.
    """
    if not connection.in_atomic_block:
        raise OutsideTransactionError("emit() must run inside the transaction that makes the change")
    millis = to_millis(at)
    with connection.cursor() as cursor:
        for _ in range(MAX_ID_ATTEMPTS):
            envelope = build_envelope(
                event_type=event_type, task_id=task_id, user_id=user_id, payload=payload, millis=millis
            )
            headers = {
                "event_id": envelope["event_id"],
                "event_type": event_type,
                "traceparent": traceparent_for_event(),
            }
            cursor.execute(
                _INSERT,
                [
                    topic,
                    user_id,
                    envelope["event_id"],
                    event_type,
                    json.dumps(envelope, cls=DjangoJSONEncoder),
                    json.dumps(headers),
                ],
            )
            if cursor.fetchone() is not None:
                return envelope
            millis += 1
    raise RuntimeError(f"no free event id for {event_type} of task {task_id} near {at.isoformat()}")


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
