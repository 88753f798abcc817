"""Django admin of the outbox and the processed-events records: operators watch the relay's backlog.

Viewing only, except sending again the rows the relay gave up on.
"""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from workers.admin.common import FailedFilter, PublishedFilter, ReadOnlyAdminMixin, TopicFilter, pretty_json
from workers.events.models import OutboxEvent, ProcessedEvent
from workers.events.outbox import outbox_resend

# ModelAdmin is generic in django-stubs only; at run time it cannot be subscripted.
if TYPE_CHECKING:
    OutboxEventModelAdmin = admin.ModelAdmin[OutboxEvent]
    ProcessedEventModelAdmin = admin.ModelAdmin[ProcessedEvent]
else:
    OutboxEventModelAdmin = ProcessedEventModelAdmin = admin.ModelAdmin


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, OutboxEventModelAdmin):
    list_display = ("id", "topic", "event_type", "key", "created_at", "published_at", "attempts", "failed_at")
    list_filter = (TopicFilter, PublishedFilter, FailedFilter, "origin")
    search_fields = ("=event_id", "=key")
    search_help_text = "An exact event id or key (user id)."
    ordering = ("-id",)
    show_full_result_count = False  # one count of a large table per page is enough

    actions = ["send_again"]

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("workers.change_outboxevent")

    @admin.action(description="Send again (rows the relay gave up on)", permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        count = outbox_resend(ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} given-up row(s) will be sent again by the relay.")

    @admin.display(description="payload")
    def payload_pretty(self, event: OutboxEvent) -> SafeString:
        return pretty_json(event.payload)

    @admin.display(description="headers")
    def headers_pretty(self, event: OutboxEvent) -> SafeString:
        return pretty_json(event.headers)

    fields = (
        "id",
        "topic",
        "key",
        "event_id",
        "event_type",
        "origin",
        "created_at",
        "published_at",
        "attempts",
        "next_attempt_at",
        "last_error",
        "failed_at",
        "payload_pretty",
        "headers_pretty",
    )
    readonly_fields = fields


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ReadOnlyAdminMixin, ProcessedEventModelAdmin):
    list_display = ("consumer", "event_id", "processed_at")
    list_filter = ("consumer",)
    search_fields = ("=event_id",)
    search_help_text = "An exact event id."
    ordering = ("-processed_at",)
    show_full_result_count = False
