"""The registry of bridge consumers: which topic each reads, what it accepts, and where it hands events.

Celery tasks are named by string, so this plumbing imports no domain app (docs/architecture.md, Layers).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from workers.events.envelope import EVENT_VERSION, Envelope
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES, dlq_topic


def _always(envelope: Envelope) -> bool:
    return True


def _recurs(envelope: Envelope) -> bool:
    return bool(envelope.payload.get("recurring_pattern"))


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    topic: str
    event_types: frozenset[str]  # what this topic carries; anything else is a poison record
    task_name: str | None  # the Celery task that handles the events; None: the bridge only counts them
    queue: str | None
    wants: Callable[[Envelope], bool] = field(default=_always)  # others are acknowledged and skipped
    event_versions: frozenset[str] = frozenset({EVENT_VERSION})

    @property
    def group_id(self) -> str:
        return f"{settings.KAFKA_TOPIC_PREFIX}{self.name}"

    @property
    def dlq_topic(self) -> str:
        return dlq_topic(self.topic)


CONSUMERS: dict[str, ConsumerSpec] = {
    spec.name: spec
    for spec in (
        ConsumerSpec(
            name="recurrence",
            topic=TASK_EVENTS,
            event_types=frozenset({"task.completed"}),
            task_name="recurrence.handle_task_completed",
            queue="recurrence",
            wants=_recurs,
        ),
        ConsumerSpec(
            name="reminders",
            topic=REMINDERS,
            event_types=frozenset({"reminder.scheduled", "reminder.cancelled"}),
            task_name="notifications.handle_reminder_event",
            queue="reminders",
        ),
        ConsumerSpec(
            name="task-updates",
            topic=TASK_UPDATES,
            event_types=frozenset({"task.created", "task.updated", "task.deleted"}),
            task_name=None,  # the live-updates fan-out will hang here
            queue=None,
        ),
    )
}
