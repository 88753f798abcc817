"""Writes of webhooks: endpoints (register, change, rotate the secret, enable, delete) and the deliveries
owed to them (one per endpoint and event, from the `webhooks` bridge consumer's events)."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from tasks_app.events import TASK_DELETED
from tasks_app.models import UserProfile
from webhooks_app import addresses, signing
from webhooks_app.models import WebhookDelivery, WebhookEndpoint
from workers.events.envelope import Envelope

MAX_ENDPOINTS_PER_USER = 20
EVENT_TYPES = ("task.created", "task.updated", "task.deleted")

# Puts a delivery task on its queue (`tasks.enqueue_delivery`), after the commit of the row it names.
Enqueue = Callable[[int], None]


class EndpointLimitError(Exception):
    """The user has as many endpoints as allowed."""


def check_url(url: str) -> None:
    """The URL may be a webhook target now (it is checked again at every delivery); TargetRefusedError."""
    addresses.resolve_target(url)


@transaction.atomic
def endpoint_create(
    *, user: UserProfile, url: str, event_types: Iterable[str], description: str, at: datetime
) -> WebhookEndpoint:
    UserProfile.objects.select_for_update().filter(pk=user.pk).first()  # one count at a time per user
    if WebhookEndpoint.objects.filter(user=user).count() >= MAX_ENDPOINTS_PER_USER:
        raise EndpointLimitError(f"At most {MAX_ENDPOINTS_PER_USER} webhook endpoints per user.")
    check_url(url)
    return WebhookEndpoint.objects.create(
        user=user,
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        secret=signing.new_secret(),
        created_at=at,
        updated_at=at,
    )


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, changes: dict[str, Any], at: datetime) -> WebhookEndpoint:
    """Change the URL, the event types or the description."""
    if "url" in changes and changes["url"] != endpoint.url:
        check_url(changes["url"])
        endpoint.url = changes["url"]
    if "event_types" in changes:
        endpoint.event_types = sorted(set(changes["event_types"]))
    if "description" in changes:
        endpoint.description = changes["description"]
    endpoint.updated_at = at
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, at: datetime) -> WebhookEndpoint:
    """A new signing secret; deliveries sent from now on are signed with it only."""
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = at
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def endpoint_enable(*, endpoint: WebhookEndpoint, at: datetime) -> WebhookEndpoint:
    """Deliveries again, from the next event on; the failure count starts over."""
    endpoint.enabled = True
    endpoint.disabled_reason = ""
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    endpoint.updated_at = at
    endpoint.save(
        update_fields=["enabled", "disabled_reason", "disabled_at", "consecutive_failures", "updated_at"]
    )
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()  # its deliveries with it


def webhook_message(envelope: Envelope) -> dict[str, Any]:
    """What the receivers get: `{id, type, created_at, data: {task, changed?}}`; a deleted task is only its
    id. `id` is the event's, the same on every attempt (receivers deduplicate by it)."""
    if envelope.event_type == TASK_DELETED:
        data: dict[str, Any] = {"task": {"id": envelope.task_id}}
    else:
        data = {"task": envelope.payload.get("task", {"id": envelope.task_id})}
        if "changed" in envelope.payload:
            data["changed"] = envelope.payload["changed"]
    return {
        "id": envelope.event_id,
        "type": envelope.event_type,
        "created_at": envelope.raw["timestamp"],
        "data": data,
    }


@transaction.atomic
def deliveries_create(*, envelope: Envelope, at: datetime, enqueue: Enqueue) -> int:
    """A delivery for each of the user's enabled endpoints that subscribe to the event's type, enqueued
    once committed. Idempotent: an endpoint that already has the event gets nothing new. Returns how many
    were created."""
    endpoints = WebhookEndpoint.objects.filter(
        user_id=envelope.user_id, enabled=True, event_types__contains=[envelope.event_type]
    ).values_list("pk", flat=True)
    message = webhook_message(envelope)
    created = 0
    for endpoint_id in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint_id=endpoint_id,
                    event_id=envelope.event_id,
                    event_type=envelope.event_type,
                    task_id=envelope.task_id,
                    message=message,
                    event_created_at=envelope.timestamp,
                    next_attempt_at=at,
                    created_at=at,
                    updated_at=at,
                )
        except IntegrityError:
            continue  # this event again: delivered (or being delivered) already
        transaction.on_commit(partial(enqueue, delivery.pk))
        created += 1
    return created


def endpoint_count_failure(*, endpoint_id: int, reason: str, threshold: int, at: datetime) -> bool:
    """One more delivery of the endpoint failed for good; at `threshold` in a row it is disabled with
    `reason`. Returns whether this disabled it."""
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(consecutive_failures=F("consecutive_failures") + 1)
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint_id, enabled=True, consecutive_failures__gte=threshold
    ).update(
        enabled=False,
        disabled_at=at,
        updated_at=at,
        disabled_reason=f"Disabled after {threshold} failed deliveries in a row; the last: {reason}"[:2000],
    )
    return disabled > 0


def endpoint_count_success(*, endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id).exclude(consecutive_failures=0).update(
        consecutive_failures=0
    )


class DeliveryNotRevivableError(Exception):
    """The dead letter's delivery cannot be sent again (gone, not failed, or its endpoint is disabled)."""


def delivery_revive(*, delivery_id: int, at: datetime, enqueue: Enqueue) -> WebhookDelivery:
    """A failed delivery scheduled again with a full retry schedule (an operator's retry of its dead
    letter), enqueued once committed."""
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None:
        raise DeliveryNotRevivableError("its delivery no longer exists (pruned, or its endpoint deleted)")
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise DeliveryNotRevivableError(f"its delivery is {delivery.status}, not failed")
    if not delivery.endpoint.enabled:
        raise DeliveryNotRevivableError("its endpoint is disabled: the user must enable it first")
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = at
    delivery.updated_at = at
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    transaction.on_commit(partial(enqueue, delivery_id))
    return delivery


def deliveries_prune(*, finished_before: datetime) -> int:
    """Deletes the deliveries that ended (succeeded, failed, cancelled) before the cutoff."""
    deleted, _ = (
        WebhookDelivery.objects.filter(updated_at__lt=finished_before)
        .exclude(status=WebhookDelivery.Status.PENDING)
        .delete()
    )
    return deleted


@transaction.atomic
def deliveries_owed(*, now: datetime, lost_after: timedelta, limit: int = 500) -> list[int]:
    """Pending deliveries whose attempt is overdue by `lost_after` and that no worker is sending: their
    next attempt is set to now and their ids returned (to enqueue)."""
    owed = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lt=now - lost_after)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    WebhookDelivery.objects.filter(pk__in=owed).update(next_attempt_at=now, updated_at=now)
    return owed
