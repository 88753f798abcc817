"""Reading the outbox in tests: the events written for one user, in the order they were written."""

from typing import Any

from workers.events.models import OutboxEvent


def outbox_rows(user_id: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(key=user_id).order_by("id"))


def outbox_types(user_id: str) -> list[str]:
    return [row.event_type for row in outbox_rows(user_id)]


def outbox_envelopes(user_id: str, event_type: str | None = None) -> list[dict[str, Any]]:
    return [row.payload for row in outbox_rows(user_id) if event_type in (None, row.event_type)]
