"""Processed-events records: how a handler applies each event once under at-least-once delivery."""

from datetime import datetime

from django.db import connection
from prometheus_client import Counter

from workers.events.models import ProcessedEvent

DUPLICATES = Counter(
    "events_duplicates_absorbed",
    "Events a consumer had processed already (redelivered, or raced by the sweep) and left alone",
    ["consumer"],
)

_RECORD = f"""
    INSERT INTO {ProcessedEvent._meta.db_table} (consumer, event_id) VALUES (%s, %s)
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING id
"""  # noqa: S608 - the table name is ours


def record_processed(*, consumer: str, event_id: str) -> bool:
    """Record the event in the caller's transaction; False when it was processed before.

    A concurrent duplicate waits on the first insert and sees False once that transaction commits; if it
    rolls back instead, the duplicate goes ahead as the first.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_processed() must run in the transaction of the effect it guards")
    with connection.cursor() as cursor:
        cursor.execute(_RECORD, [consumer, event_id])
        first = cursor.fetchone() is not None
    if not first:
        DUPLICATES.labels(consumer=consumer).inc()
    return first


def processed_events_prune(*, processed_before: datetime) -> int:
    deleted, _ = ProcessedEvent.objects.filter(processed_at__lt=processed_before).delete()
    return deleted
