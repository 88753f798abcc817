"""Reads of webhooks, always scoped to their user."""

from django.db import DatabaseError, close_old_connections
from django.db.models import QuerySet

from webhooks_app.models import WebhookDelivery, WebhookEndpoint
from workers.events.envelope import Envelope

RECENT_DELIVERIES = 50


def endpoints_list(*, user_id: str) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(user_id=user_id).order_by("created_at", "id")


def endpoint_get(*, user_id: str, endpoint_id: int) -> WebhookEndpoint:
    """The user's endpoint; WebhookEndpoint.DoesNotExist for another user's (as for one that never was)."""
    return WebhookEndpoint.objects.get(user_id=user_id, pk=endpoint_id)


def deliveries_recent(
    *, endpoint: WebhookEndpoint, limit: int = RECENT_DELIVERIES
) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")[:limit]


def user_has_endpoints(envelope: Envelope) -> bool:
    """The `webhooks` bridge's filter: only the changes of users with an enabled endpoint become Celery
    tasks. When the database cannot say, the event is handed on (the task decides)."""
    try:
        return WebhookEndpoint.objects.filter(user_id=envelope.user_id, enabled=True).exists()
    except DatabaseError:  # the database is away: the fan-out task finds out for itself
        close_old_connections()  # a broken connection is replaced at the next query
        return True
