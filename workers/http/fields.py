"""Serializer fields shared by every API of the project."""

from datetime import UTC, datetime
from typing import Any

from django.core.validators import RegexValidator
from django.utils import dateparse
from rest_framework import serializers

# DRF already refuses NUL in every CharField (PostgreSQL text cannot hold it); this says so in the schema.
NO_NUL = RegexValidator(r"\A[^\x00]*\Z", message="Null characters are not allowed.")

NAIVE_MESSAGE = "Include a time zone offset, e.g. 2026-03-01T09:00:00Z or 2026-03-01T09:00:00+01:00."


class TextField(serializers.CharField):
    """A string, and only a string: DRF's CharField also takes numbers (42 becomes "42"), which the schema's
    `type: string` refuses. Every text a request body (or an imported document) carries is one of these."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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
        try:
            return parsed.astimezone(UTC)
        except OverflowError as error:  # e.g. 0001-01-01T00:00:00+01:00 is in year 0 in UTC
            raise serializers.ValidationError("Out of range: years 1 to 9999 in UTC.") from error

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
