"""Reads of the assistant: a user's conversations and messages, and the user's tasks a few words name."""

import re
from collections.abc import Sequence

from django.db.models import F, QuerySet

from assistant_app.models import Conversation, Message
from tasks_app.models import Task

MAX_CHOICES = 5  # tasks offered when several match ("which 'report' task: 12 or 31?")
TASK_NUMBER = re.compile(r"#?(?P<id>[0-9]{1,18})")


def conversations_list(*, user_id: str) -> QuerySet[Conversation]:
    """The user's conversations, the one most recently spoken in first."""
    return Conversation.objects.filter(user_id=user_id).order_by("-updated_at", "-id")


def conversation_get(*, user_id: str, conversation_id: int) -> Conversation:
    """The user's conversation; Conversation.DoesNotExist for another user's (as for one that never was)."""
    return Conversation.objects.get(user_id=user_id, pk=conversation_id)


def messages_list(*, conversation: Conversation) -> QuerySet[Message]:
    """A conversation's messages, newest first."""
    return Message.objects.filter(conversation=conversation).order_by("-created_at", "-id")


def messages_recent(*, conversation: Conversation, limit: int, but: Message) -> list[Message]:
    """Its last `limit` messages of the user's and the assistant's but `but`, oldest first: the context a
    provider is given (the tools' results are not said to anyone)."""
    recent = messages_list(conversation=conversation).exclude(role=Message.Role.TOOL).exclude(pk=but.pk)
    return list(reversed(recent[:limit]))


def _in_order(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Open tasks first, then by due date (the ones without one last)."""
    return tasks.order_by("completed", F("due_date").asc(nulls_last=True), "id")


def tasks_named(*, user_id: str, reference: str, open_only: bool) -> list[Task]:
    """The user's tasks that `reference` names, best matches only, at most MAX_CHOICES + 1 (so a caller can
    tell "several" from "these").

    In order: the task of that number ("12", "#12"); the tasks of exactly that title (any case); the tasks
    whose title contains it. `open_only` leaves completed tasks out; otherwise completed ones count only
    when no open one matches. Never another user's task: every query is scoped to `user_id`.
    """
    tasks = Task.objects.filter(user_id=user_id)
    if open_only:
        tasks = tasks.filter(completed=False)
    if number := TASK_NUMBER.fullmatch(reference.strip()):
        by_id = list(tasks.filter(pk=int(number["id"])))
        if by_id:
            return by_id
    for matching in (tasks.filter(title__iexact=reference), tasks.filter(title__icontains=reference)):
        found = list(_in_order(matching)[: MAX_CHOICES + 1])
        if found:
            return found if found[0].completed else [task for task in found if not task.completed]
    return []


def tasks_among(*, user_id: str, task_ids: Sequence[int]) -> list[Task]:
    """Those of the tasks (a question's choices) that are still the user's, in order."""
    return list(_in_order(Task.objects.filter(user_id=user_id, pk__in=task_ids)))
