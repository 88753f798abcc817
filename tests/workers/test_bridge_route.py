"""route(): the bridge's pure decision for one record."""

import json

import pytest

from workers.bridge.loop import HandOff, Poison, Skip, UnknownEventError, route
from workers.bridge.registry import consumers
from workers.events.envelope import InvalidEnvelopeError

RECURRENCE = consumers()["recurrence"]


def envelope(**overrides):
    event = {
        "event_id": "task.completed-1-1000",
        "event_type": "task.completed",
        "event_version": "1.0",
        "task_id": 1,
        "user_id": "u",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "payload": {"task_id": 1, "recurring_pattern": "DAILY"},
    }
    event.update(overrides)
    return json.dumps(event).encode()


def test_a_completed_recurring_task_is_handed_off():
    decision = route(RECURRENCE, envelope())
    assert isinstance(decision, HandOff)
    assert decision.envelope.event_id == "task.completed-1-1000"


def test_a_completed_task_without_a_pattern_is_skipped():
    assert isinstance(route(RECURRENCE, envelope(payload={"task_id": 1, "recurring_pattern": None})), Skip)


def test_task_updates_go_to_the_live_updates_handler():
    event = envelope(event_type="task.created", event_id="task.created-1-1")
    assert isinstance(route(consumers()["task-updates"], event), HandOff)
    assert consumers()["task-updates"].handler is not None


@pytest.mark.parametrize(
    ("value", "error", "kept"),
    [
        (b"{not json", json.JSONDecodeError, "{not json"),
        (b"\xc3\x28 not utf-8", ValueError, "\ufffd( not utf-8"),
        (None, InvalidEnvelopeError, ""),
        (b"[1, 2]", InvalidEnvelopeError, [1, 2]),
        (
            json.dumps({"event_type": "task.completed"}).encode(),
            InvalidEnvelopeError,
            {"event_type": "task.completed"},
        ),
    ],
)
def test_unreadable_records_are_poison(value, error, kept):
    decision = route(RECURRENCE, value)
    assert isinstance(decision, Poison)
    assert isinstance(decision.error, error)
    assert decision.value == kept


def test_missing_fields_are_named():
    decision = route(RECURRENCE, json.dumps({"event_id": "x"}).encode())
    assert isinstance(decision, Poison)
    assert "event_type" in str(decision.error)
    assert "payload" in str(decision.error)


@pytest.mark.parametrize(
    "value",
    [
        envelope(event_type="task.exploded"),
        envelope(event_version="2.0"),
    ],
)
def test_unknown_types_and_versions_are_poison(value):
    decision = route(RECURRENCE, value)
    assert isinstance(decision, Poison)
    assert isinstance(decision.error, UnknownEventError)


@pytest.mark.parametrize(
    "overrides",
    [
        {"task_id": "1"},
        {"task_id": True},
        {"timestamp": "yesterday"},
        {"timestamp": "2026-01-01T00:00:00"},
        {"payload": []},
    ],
)
def test_wrongly_typed_fields_are_poison(overrides):
    assert isinstance(route(RECURRENCE, envelope(**overrides)), Poison)
