"""The reminder schedule: the source of truth for reminder emails (events only wake it up)."""

from django.db import models
from django.db.models.functions import Coalesce, Now


class Reminder(models.Model):
    """One reminder of one task at one instant, and where its delivery stands.

    Its status changes only through transitions.py. `version` grows with every transition: revived,
    enqueued, enqueued again for an SMTP retry, sent, cancelled or failed; a transition moves a row only at
    the version it was read (or claimed) at. A worker sending the reminder holds its row locked from the
    claim until the outcome is recorded (see delivery.py), so nothing else changes the row meanwhile, and a
    killed sender's row is free again at once.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled"  # waiting to enter the scheduling horizon
        ENQUEUED = "enqueued"  # a Celery ETA task is on its way (or a sender holds the row locked)
        SENT = "sent"
        CANCELLED = "cancelled"
        FAILED = "failed"

    class Failure(models.TextChoices):
        NO_EMAIL = "no_email", "the user has no email address"
        SMTP = "smtp", "the SMTP server kept refusing"
        INVALID_EMAIL = "invalid_email", "no email can be made from the task's data"

    task_id = models.BigIntegerField()
    user_id = models.CharField(max_length=255)
    remind_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    version = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    failure = models.CharField(max_length=20, choices=Failure.choices, blank=True, default="")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # When an SMTP retry is due: until then an enqueued reminder is waiting, not lost.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The email, rendered when the reminder was enqueued, and a digest of what it was rendered from;
    # cleared once the reminder is sent, cancelled or failed.
    message = models.BinaryField(null=True, blank=True)
    message_key = models.CharField(max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    lateness_ms = models.FloatField(null=True, blank=True, help_text="sent_at - remind_at")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "reminders"
        constraints = [
            models.UniqueConstraint(fields=["task_id", "remind_at"], name="reminders_task_instant_unique"),
        ]
        indexes = [
            models.Index(
                fields=["remind_at"],
                condition=models.Q(status__in=["scheduled", "enqueued"]),
                name="reminders_active_idx",
            ),
            models.Index(fields=["task_id", "status"], name="reminders_task_status_idx"),
            # What the delivery tasks claim: enqueued reminders in the order they fall due.
            models.Index(
                Coalesce("next_attempt_at", "remind_at"),
                condition=models.Q(status="enqueued"),
                name="reminders_enqueued_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} at {self.remind_at.isoformat()} ({self.status})"

    @staticmethod
    def due() -> Coalesce:
        """When an enqueued reminder is next due: its instant, or its next SMTP retry."""
        return Coalesce("next_attempt_at", "remind_at")
