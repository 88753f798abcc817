"""What the admin pages of the event pipeline share: JSON shown as it was, read-only pages, list filters."""

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from workers.kafka.clients import SOURCE_TOPICS, dlq_topic


def pretty_json(value: Any) -> SafeString:
    """JSON indented in a <pre>; text that was never JSON (an unreadable record) is shown as it came."""
    text = (
        value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    )
    return format_html("<pre>{}</pre>", text)


class ReadOnlyAdminMixin:
    """Viewing only: operators with the view permission see rows; nobody adds, edits or deletes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TopicFilter(admin.SimpleListFilter):
    """The platform's topics, listed without scanning the (large) outbox for distinct values."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        topics = [*SOURCE_TOPICS, *(dlq_topic(topic) for topic in SOURCE_TOPICS)]
        return [(topic, topic) for topic in topics]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(topic=self.value()) if self.value() else queryset


class TimestampSetFilter(admin.SimpleListFilter):
    """Yes/no on whether a timestamp column is set."""

    column = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.column}__isnull": self.value() == "no"})
        return queryset


class PublishedFilter(TimestampSetFilter):
    title = "published"
    parameter_name = "published"
    column = "published_at"


class FailedFilter(TimestampSetFilter):
    title = "given up by the relay"
    parameter_name = "failed"
    column = "failed_at"
