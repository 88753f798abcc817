"""Serializer fields shared by every API of the project."""

from datetime import UTC, datetime
from typing import Any

from django.utils import dateparse
from rest_framework import serializers

NAIVE_MESSAGE = "Include a time zone offset, e.g. 2026-03-01T09:00:00Z or 2026-03-01T09:00:00+01:00."


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant with an explicit offset; a naive time is refused rather than guessed."""

    def to_internal_value(self, value: Any) -> datetime:
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 with a time zone offset")
        try:
            parsed = dateparse.parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise serializers.ValidationError("Not an ISO 8601 date and time.")
        if parsed.tzinfo is None:
            raise serializers.ValidationError(NAIVE_MESSAGE)
        return parsed.astimezone(UTC)

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
