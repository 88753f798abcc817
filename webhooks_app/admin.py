"""Django admin of webhook endpoints and their deliveries: viewing only (users manage their endpoints in the
API, where every URL is checked; secrets are never shown here). A failed delivery's dead letter is triaged
with the others (workers/admin/dead_letters.py): its retry sends the delivery again."""

from typing import TYPE_CHECKING

from django.contrib import admin

from webhooks_app.models import WebhookDelivery, WebhookEndpoint
from workers.admin.common import ReadOnlyAdminMixin

# ModelAdmin is generic in django-stubs only; at run time it cannot be subscripted.
if TYPE_CHECKING:
    EndpointModelAdmin = admin.ModelAdmin[WebhookEndpoint]
    DeliveryModelAdmin = admin.ModelAdmin[WebhookDelivery]
else:
    EndpointModelAdmin = DeliveryModelAdmin = admin.ModelAdmin


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdminMixin, EndpointModelAdmin):
    list_display = ("id", "user", "url", "enabled", "consecutive_failures", "disabled_at", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url", "user__id")
    exclude = ("secret",)  # the user's signing key: never shown to operators


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, DeliveryModelAdmin):
    list_display = ("id", "endpoint", "event_id", "status", "attempts", "last_status_code", "latency_ms")
    list_filter = ("status", "event_type")
    search_fields = ("event_id",)
    list_select_related = ("endpoint",)
