"""Tables of the event pipeline: the transactional outbox and the processed-events records."""

from django.db import models
from django.db.models.functions import Now


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes; the relay publishes it."""

    class Origin(models.TextChoices):
        EMITTED = "emitted", "emitted by a service"
        DEAD_LETTER = "dead_letter", "copy to a dead-letter topic"
        REPLAY = "replay", "re-published by an operator"

    id = models.BigAutoField(primary_key=True)
    topic = models.CharField(max_length=255, help_text="Logical topic; the relay adds the deployment prefix.")
    key = models.CharField(max_length=255, help_text="Partition key: the user id.")
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(help_text="The event envelope, sent as the message value.")
    headers = models.JSONField(default=dict)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.EMITTED)
    created_at = models.DateTimeField(db_default=Now())
    published_at = models.DateTimeField(null=True, blank=True)
    # Delivery bookkeeping of the relay: a row the broker refused waits `next_attempt_at`; after the
    # relay's last attempt it is given up (`failed_at`) and reported, so it no longer holds its user back.
    attempts = models.PositiveIntegerField(db_default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, db_default="")
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "outbox_events"
        constraints = [
            # Events emitted by services are unique; copies (dead letters, replays) repeat the id by design.
            models.UniqueConstraint(
                fields=["event_id"],
                condition=models.Q(origin="emitted"),
                name="outbox_emitted_event_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(published_at__isnull=True, failed_at__isnull=True),
                name="outbox_pending_idx",
            ),
            models.Index(
                fields=["key"],
                condition=models.Q(published_at__isnull=True, next_attempt_at__isnull=False),
                name="outbox_backoff_key_idx",
            ),
            models.Index(
                fields=["published_at"],
                condition=models.Q(published_at__isnull=False),
                name="outbox_published_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.topic}"


class ProcessedEvent(models.Model):
    """An event a consumer has applied; written in the same transaction as the effect (idempotency)."""

    consumer = models.CharField(max_length=100)
    event_id = models.CharField(max_length=255)
    processed_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "processed_events"
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="processed_events_unique"),
        ]
        indexes = [models.Index(fields=["processed_at"], name="processed_events_at_idx")]

    def __str__(self) -> str:
        return f"{self.consumer}:{self.event_id}"
