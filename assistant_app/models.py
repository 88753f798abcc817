"""A user's conversations with the task assistant, and their messages with the actions each one caused."""

from django.db import models

from tasks_app.models import UserProfile

TITLE_MAX_LENGTH = 100


class Conversation(models.Model):
    """One thread of messages. `pending` holds a question the assistant asked back and is waiting on
    ("which 'report' task: 12 or 31?"): the command it would run, and the tasks the answer may name."""

    user = models.ForeignKey(UserProfile, on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(max_length=TITLE_MAX_LENGTH, help_text="The start of its first message.")
    pending = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "assistant_conversations"
        indexes = [models.Index(fields=["user", "-updated_at", "-id"], name="assistant_conversations_recent")]

    def __str__(self) -> str:
        return f"{self.title} ({self.user_id})"


class Message(models.Model):
    """One turn: the user's words, the assistant's reply, or (with a provider) a tool's result. `actions`
    is what the turn did, as `[{"action": "created", "task": {...}}]`, and `choices` the tasks a reply asked
    about (`[{...}]`), each task as the API showed it then."""

    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        TOOL = "tool"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    content = models.TextField()
    actions = models.JSONField(default=list, blank=True)
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "assistant_messages"
        indexes = [
            models.Index(fields=["conversation", "-created_at", "-id"], name="assistant_messages_recent")
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:50]}"
