"""Writes of the assistant: one turn of a conversation, from the user's message to the reply and what it did.

The built-in grammar answers unless a provider is configured (assistant_app/provider.py); when the provider
does not answer before it did anything, the grammar answers instead. Either way every action goes through
the task services (assistant_app/commands.py), and the turn is kept as messages: the user's, the tools'
results (with a provider), and the reply, each with the actions it caused.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from prometheus_client import Counter

from assistant_app import commands, provider, selectors
from assistant_app.commands import Outcome
from assistant_app.grammar import parse
from assistant_app.models import TITLE_MAX_LENGTH, Conversation, Message
from tasks_app.models import UserProfile
from tasks_app.outputs import task_output

logger = logging.getLogger(__name__)

REPLIES = Counter(
    "assistant_replies", "Messages the assistant answered, by the layer that answered", ["answered_by"]
)
PROVIDER_FAILURES = Counter(
    "assistant_provider_failures",
    "Messages the configured provider gave no answer to (the grammar answered unless a tool call had acted), "
    "by how it failed",
    ["kind"],
)

BUILT_IN = "built_in"
PROVIDER = "provider"


@dataclass(frozen=True)
class Turn:
    """One answered message: the conversation, the user's message and the reply as kept, and which layer
    answered (`built_in` or `provider`)."""

    conversation: Conversation
    said: Message
    reply: Message
    answered_by: str


def conversation_delete(*, conversation: Conversation) -> None:
    conversation.delete()


def chat(*, user: UserProfile, conversation: Conversation | None, message: str, at: datetime) -> Turn:
    """Answer the user's `message` in `conversation` (a new one when None), at the aware instant `at`."""
    chosen = provider.configured()
    if chosen is None:
        with transaction.atomic():
            spoken, said = _spoken_in(user, conversation, message, at)
            return _reply(spoken, said, _built_in(spoken, user, message, at), at, BUILT_IN)
    with transaction.atomic():
        spoken, said = _spoken_in(user, conversation, message, at)
    earlier = selectors.messages_recent(conversation=spoken, limit=provider.HISTORY_MESSAGES, but=said)
    history = [{"role": each.role, "content": each.content} for each in earlier]  # then `said`, alone

    def record_tool(content: str, actions: list[dict[str, Any]]) -> None:
        Message.objects.create(
            conversation=spoken, role=Message.Role.TOOL, content=content, actions=actions, created_at=at
        )

    try:
        outcome = provider.converse(
            chosen, user=user, history=history, message=message, at=at, record_tool=record_tool
        )
    except provider.ProviderUnavailable as error:
        PROVIDER_FAILURES.labels(kind=error.kind).inc()
        logger.warning("assistant provider unavailable (%s); the built-in grammar answers", error)
        if error.actions:  # it acted, then went quiet: say what was done rather than do it again
            done = ", ".join(f"{item['action']} #{item['task']['id']}" for item in error.actions)
            outcome = Outcome(f"The assistant stopped answering after this: {done}.", error.actions)
        else:
            with transaction.atomic():
                spoken = Conversation.objects.select_for_update().get(pk=spoken.pk)
                return _reply(spoken, said, _built_in(spoken, user, message, at), at, BUILT_IN)
    with transaction.atomic():
        return _reply(spoken, said, outcome, at, PROVIDER)


def _spoken_in(
    user: UserProfile, conversation: Conversation | None, message: str, at: datetime
) -> tuple[Conversation, Message]:
    """The conversation, locked until the turn's transaction ends, and the user's message added to it."""
    if conversation is None:
        conversation = Conversation.objects.create(
            user=user, title=_title(message), created_at=at, updated_at=at
        )
    else:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    said = Message.objects.create(
        conversation=conversation, role=Message.Role.USER, content=message, created_at=at
    )
    return conversation, said


def _title(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_MAX_LENGTH else f"{line[: TITLE_MAX_LENGTH - 1].rstrip()}…"


def _built_in(conversation: Conversation, user: UserProfile, message: str, at: datetime) -> Outcome:
    """The grammar's answer: to the question the conversation waits on, else to a new command."""
    if conversation.pending is not None:
        answered = commands.answer(conversation.pending, message, user=user, at=at)
        if answered is not None:
            return answered
    return commands.run(parse(message, now=at, timezone=user.timezone), user=user, at=at)


def _reply(
    conversation: Conversation, said: Message, outcome: Outcome, at: datetime, answered_by: str
) -> Turn:
    reply = Message.objects.create(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        content=outcome.reply,
        actions=outcome.actions,
        choices=[task_output(task) for task in outcome.choices],
        created_at=at,
    )
    conversation.pending = outcome.pending
    conversation.updated_at = at
    conversation.save(update_fields=["pending", "updated_at"])
    transaction.on_commit(REPLIES.labels(answered_by=answered_by).inc)
    return Turn(conversation, said, reply, answered_by)
