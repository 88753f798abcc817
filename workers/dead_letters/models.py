"""The dead-letter table: events that kept failing, kept for operators to triage."""

from django.db import models


class DeadLetter(models.Model):
    """An event that kept failing (or could not be read at all), kept for operators to triage."""

    class Status(models.TextChoices):
        NEW = "new"
        RETRIED = "retried"
        DISCARDED = "discarded"
        RESOLVED = "resolved"

    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100, blank=True, default="")
    task_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.CharField(max_length=255, blank=True, default="")
    original_topic = models.CharField(max_length=255, help_text="Logical source topic.")
    partition = models.IntegerField(null=True, blank=True)
    offset = models.BigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=255, blank=True, default="")
    envelope = models.JSONField(help_text="The original event, or the raw text when it was not JSON.")
    headers = models.JSONField(default=dict, blank=True)
    consumer = models.CharField(max_length=100, help_text="The consumer or task that failed.")
    error_class = models.CharField(max_length=255)
    error_message = models.TextField()
    traceback = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    status_reason = models.TextField(blank=True, default="")
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "dead_letters"
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "event_id"], name="dead_letters_consumer_event_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-last_failed_at"], name="dead_letters_status_idx"),
            models.Index(fields=["event_id"], name="dead_letters_event_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.status})"
