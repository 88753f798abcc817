"""Tasks, the users who own them, and remembered responses for idempotent creates."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now

TAG_MAX_LENGTH = 50


class Priority(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RecurrenceAnchor(models.TextChoices):
    """What the next occurrence of a series is counted from."""

    DUE = "due"  # the rule's own dates: every Monday, whenever the last one was done
    COMPLETION = "completion"  # the day the last one was completed: every 3 days after I water the plants


class UserProfile(models.Model):
    """A user as the identity provider knows them; the primary key is the JWT `sub`."""

    id = models.CharField(primary_key=True, max_length=255)
    email = models.EmailField(max_length=320, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone name.")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "users"

    def __str__(self) -> str:
        return self.email or self.id


class Task(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(UserProfile, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Completed without being done: an occurrence of a series passed over (its next one is made all the same).
    skipped = models.BooleanField(default=False, db_default=False)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.MEDIUM)
    tags = ArrayField(models.CharField(max_length=TAG_MAX_LENGTH), default=list, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA zone for wall-clock rules.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # NULL, not "", means "does not recur": the column and the API's JSON null agree.
    recurring_pattern = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    recurring_end_date = models.DateTimeField(null=True, blank=True)
    recurrence_anchor = models.CharField(
        max_length=20,
        choices=RecurrenceAnchor.choices,
        default=RecurrenceAnchor.DUE,
        db_default=RecurrenceAnchor.DUE,
    )
    next_occurrence = models.DateTimeField(null=True, blank=True)
    parent_task = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrences",
        help_text="The root of the recurring series this task was created from.",
    )

    # Every reminder of the task (tasks_app/reminders.py); the two columns below are derived from it: its
    # first pending instant, which the schedule's recovery scan reads, and whether none is pending.
    reminders = models.JSONField(default=list, blank=True, db_default=models.Value([], models.JSONField()))
    reminder_at = models.DateTimeField(null=True, blank=True)
    reminder_sent = models.BooleanField(default=False)

    # The database's record that this completed recurring task's next occurrence is owed: set by the
    # completion, cleared in the transaction that creates the occurrence (or finds the series ended). The
    # `task.completed` event is only the fast path; a sweep does whatever it left undone.
    next_occurrence_owed_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "tasks"
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="tasks_user_created_idx"),
            models.Index(
                fields=["next_occurrence"],
                condition=models.Q(next_occurrence__isnull=False),
                name="tasks_next_occurrence_idx",
            ),
            models.Index(
                fields=["reminder_at", "user"],
                condition=models.Q(reminder_at__isnull=False, reminder_sent=False),
                name="tasks_reminder_at_idx",
            ),
            models.Index(
                fields=["next_occurrence_owed_since"],
                condition=models.Q(next_occurrence_owed_since__isnull=False),
                name="tasks_occurrence_owed_idx",
            ),
            # Open tasks of one priority, newest first (docs/operations.md, "Indexes of the task list").
            models.Index(
                fields=["user", "priority", "-created_at", "-id"],
                condition=models.Q(completed=False),
                name="tasks_user_open_priority_idx",
            ),
            GinIndex(fields=["tags"], name="tasks_tags_gin_idx"),
            models.Index(fields=["priority"], name="tasks_priority_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="tasks_title_not_empty"),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values), name="tasks_priority_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(recurrence_anchor__in=RecurrenceAnchor.values),
                name="tasks_recurrence_anchor_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(skipped=True, completed=False), name="tasks_skipped_completed"
            ),
            # A series never has two occurrences due at the same instant, even under a race.
            models.UniqueConstraint(
                fields=["parent_task", "due_date"], name="tasks_one_occurrence_per_due_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IdempotencyKey(models.Model):
    """The first response to a request that carried an `Idempotency-Key`, replayed for repeats."""

    user = models.ForeignKey(UserProfile, on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "idempotency_keys"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_keys_user_key_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
