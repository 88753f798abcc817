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

_RECORD_MANY = f"""
    INSERT INTO {ProcessedEvent._meta.db_table} (consumer, event_id) VALUES {{rows}}
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING event_id
"""  # noqa: S608 - the table name is ours; the rows are placeholders


def record_processed(*, consumer: str, event_id: str) -> bool:
    """Record the event in the caller's transaction; False when it was processed before.

    A concurrent duplicate waits on the first insert and sees False once that transaction commits; if it
    rolls back instead, the duplicate goes ahead as the first.
    """
    return event_id in record_processed_many(consumer=consumer, event_ids=[event_id])


def record_processed_many(*, consumer: str, event_ids: list[str]) -> set[str]:
    """`record_processed` for a batch, in one statement: the ids processed for the first time (an id twice
    in the batch is fresh once, its second a duplicate)."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_processed() must run in the transaction of the effect it guards")
    if not event_ids:
        return set()
    rows = ", ".join(["(%s, %s)"] * len(event_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_MANY.format(rows=rows),
            [value for event_id in event_ids for value in (consumer, event_id)],
        )
        fresh = {event_id for (event_id,) in cursor.fetchall()}
    duplicates = len(event_ids) - len(fresh)
    if duplicates:
        DUPLICATES.labels(consumer=consumer).inc(duplicates)
    return fresh


def processed_events_prune(*, processed_before: datetime) -> int:
    deleted, _ = ProcessedEvent.objects.filter(processed_at__lt=processed_before).delete()
    return deleted
