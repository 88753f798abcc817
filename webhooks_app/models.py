"""Webhook endpoints (a user's HTTPS address, the event types it wants, its signing secret) and the
deliveries of events to them (one row per endpoint and event: the record of the work owed and done)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from tasks_app.models import UserProfile

EVENT_TYPE_MAX_LENGTH = 50
URL_MAX_LENGTH = 2048


class WebhookEndpoint(models.Model):
    user = models.ForeignKey(UserProfile, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=URL_MAX_LENGTH)
    event_types = ArrayField(models.CharField(max_length=EVENT_TYPE_MAX_LENGTH))
    description = models.CharField(max_length=200, blank=True, default="")
    # `whsec_` + random: the HMAC key of its deliveries' signatures. The user's own (shown in the API), so
    # it is kept as it is: the server must sign with it.
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "webhook_endpoints"
        indexes = [models.Index(fields=["user", "enabled"], name="webhook_endpoints_user_idx")]

    def __str__(self) -> str:
        return f"{self.url} ({self.user_id})"


class WebhookDelivery(models.Model):
    """One event owed to one endpoint. `pending` until it is answered with a 2xx (`succeeded`), given up
    (`failed`: a permanent refusal or out of retries, dead-lettered) or `cancelled` (its endpoint was
    disabled before it could be sent)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=EVENT_TYPE_MAX_LENGTH)
    task_id = models.BigIntegerField()
    # The message as it is POSTed (`{id, type, created_at, data}`): every attempt sends the same body.
    message = models.JSONField()
    event_created_at = models.DateTimeField(help_text="When the change committed (the event's timestamp).")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts since it was (re)scheduled.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True, help_text="The last attempt's request.")
    latency_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From the change's commit to the receiver's 2xx."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "webhook_deliveries"
        constraints = [
            # One delivery per endpoint and event: a repeated event (at-least-once transport) adds none.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_deliveries_once"),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_deliveries_recent_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_deliveries_owed_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["updated_at"], name="webhook_deliveries_prune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"
