"""The event envelope every topic carries (docs/architecture.md, Event contract) and its validation."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EVENT_VERSION = "1.0"

ENVELOPE_FIELDS = ("event_id", "event_type", "event_version", "task_id", "user_id", "timestamp", "payload")


def to_millis(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return int(at.timestamp() * 1000)


def iso_utc(at: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and a `Z` (docs/architecture.md, Event contract)."""
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_id_for(event_type: str, task_id: int, millis: int) -> str:
    return f"{event_type}-{task_id}-{millis}"


def build_envelope(
    *, event_type: str, task_id: int, user_id: str, payload: dict[str, Any], millis: int
) -> dict[str, Any]:
    """The envelope: `event_id` = `{event_type}-{task_id}-{timestamp_ms}`, version "1.0", UTC timestamp."""
    return {
        "event_id": event_id_for(event_type, task_id, millis),
        "event_type": event_type,
        "event_version": EVENT_VERSION,
        "task_id": task_id,
        "user_id": user_id,
        "timestamp": iso_utc(datetime.fromtimestamp(millis / 1000, tz=UTC)),
        "payload": payload,
    }


class InvalidEnvelopeError(ValueError):
    """A record that is not a well-formed event envelope (a poison message)."""


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    event_version: str
    task_id: int
    user_id: str
    timestamp: datetime
    payload: dict[str, Any]
    raw: dict[str, Any]


def parse_envelope(value: Any) -> Envelope:
    """Validate a decoded JSON value as an envelope; raise InvalidEnvelopeError naming what is wrong."""
    if not isinstance(value, dict):
        raise InvalidEnvelopeError("the event is not a JSON object")
    missing = [name for name in ENVELOPE_FIELDS if name not in value]
    if missing:
        raise InvalidEnvelopeError(f"missing fields: {', '.join(missing)}")
    for name in ("event_id", "event_type", "event_version", "user_id", "timestamp"):
        if not isinstance(value[name], str) or not value[name]:
            raise InvalidEnvelopeError(f"{name} must be a non-empty string")
    if not isinstance(value["task_id"], int) or isinstance(value["task_id"], bool):
        raise InvalidEnvelopeError("task_id must be an integer")
    if not isinstance(value["payload"], dict):
        raise InvalidEnvelopeError("payload must be an object")
    try:
        timestamp = datetime.fromisoformat(value["timestamp"])
    except ValueError as error:
        raise InvalidEnvelopeError(f"timestamp is not ISO 8601: {error}") from error
    if timestamp.tzinfo is None:
        raise InvalidEnvelopeError("timestamp must carry a UTC offset")
    return Envelope(
        event_id=value["event_id"],
        event_type=value["event_type"],
        event_version=value["event_version"],
        task_id=value["task_id"],
        user_id=value["user_id"],
        timestamp=timestamp,
        payload=value["payload"],
        raw=value,
    )
