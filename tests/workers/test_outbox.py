"""emit() and emit_many(): the one way to write events, only inside the caller's transaction."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from workers.events.models import OutboxEvent
from workers.events.outbox import NewEvent, OutsideTransactionError, emit, emit_many

pytestmark = pytest.mark.django_db(transaction=True)

AT = datetime(2026, 3, 8, 7, 0, 0, 123000, tzinfo=UTC)


def _emit(**overrides):
    arguments = dict(
        topic="task-updates", event_type="task.updated", task_id=7, user_id="u-1", payload={"x": 1}, at=AT
    )
    return emit(**{**arguments, **overrides})


def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(OutsideTransactionError):
        _emit()
    assert OutboxEvent.objects.count() == 0


def test_emit_writes_the_envelope_in_the_transaction():
    with transaction.atomic():
        envelope = _emit()

    row = OutboxEvent.objects.get()
    assert envelope == {
        "event_id": "task.updated-7-1772953200123",
        "event_type": "task.updated",
        "event_version": "1.0",
        "task_id": 7,
        "user_id": "u-1",
        "timestamp": "2026-03-08T07:00:00.123Z",
        "payload": {"x": 1},
    }
    assert row.payload == envelope
    assert (row.topic, row.key, row.event_id, row.event_type) == (
        "task-updates",
        "u-1",
        "task.updated-7-1772953200123",
        "task.updated",
    )


def test_rolled_back_transaction_leaves_no_event():
    with pytest.raises(RuntimeError), transaction.atomic():
        _emit()
        raise RuntimeError("the change failed")
    assert OutboxEvent.objects.count() == 0


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"), transaction.atomic():
        _emit(at=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


# --- emit_many(): a batch in one statement -------------------------------------------------------------
def event(task_id: int, user_id: str = "u-1") -> NewEvent:
    return NewEvent(
        topic="task-updates",
        event_type="task.updated",
        task_id=task_id,
        user_id=user_id,
        payload={"x": task_id},
    )


def test_emit_many_writes_each_event_as_emit_would():
    with transaction.atomic():
        envelopes = emit_many([event(7), event(8, user_id="u-2")], at=AT)

    rows = list(OutboxEvent.objects.order_by("id"))
    assert [row.payload for row in rows] == envelopes
    assert [(row.key, row.event_id) for row in rows] == [
        ("u-1", "task.updated-7-1772953200123"),
        ("u-2", "task.updated-8-1772953200123"),
    ]
    assert rows[0].headers["event_id"] == "task.updated-7-1772953200123"


def test_emit_many_moves_a_taken_id_on_by_a_millisecond_as_emit_does():
    with transaction.atomic():
        _emit(task_id=8)  # an earlier write of the same instant
        envelopes = emit_many([event(7), event(8), event(7)], at=AT)

    assert [envelope["event_id"] for envelope in envelopes] == [
        "task.updated-7-1772953200123",
        "task.updated-8-1772953200124",
        "task.updated-7-1772953200124",
    ]
    stored = {row.event_id: row.payload for row in OutboxEvent.objects.all()}
    assert all(stored[envelope["event_id"]] == envelope for envelope in envelopes)


def test_emit_many_outside_a_transaction_is_refused():
    with pytest.raises(OutsideTransactionError):
        emit_many([event(7)], at=AT)
    assert OutboxEvent.objects.count() == 0
