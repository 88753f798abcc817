"""What a bridge consumer is (`ConsumerSpec`), and the table of them the composition root configures.

Which consumers exist, and which app's Celery task each feeds, is the composition root's to say: the
table is named by `settings.BRIDGE_CONSUMERS`, so this plumbing imports no domain app
(docs/architecture.md, Layers).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from workers.events.envelope import EVENT_VERSION, Envelope
from workers.kafka.clients import dlq_topic


def _always(envelope: Envelope) -> bool:
    return True


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    topic: str
    event_types: frozenset[str]  # what this topic carries; anything else is a poison record
    task_name: str | None  # the Celery task that handles the events, one per message
    queue: str | None
    # Or, besides it, the task that takes a list of them (`handle_batch_with_policy`): the bridge then hands
    # over the consecutive records of a partition in one message, and `task_name` takes each retry.
    batch_task_name: str | None = None
    # Or a handler the bridge calls itself, for work that is no more than handing the event on (a Redis
    # write): raising leaves the record to be retried, as a broker refusing the Celery task does.
    handler: Callable[[Envelope], None] | None = None
    wants: Callable[[Envelope], bool] = field(default=_always)  # others are acknowledged and skipped
    event_versions: frozenset[str] = frozenset({EVENT_VERSION})

    @property
    def group_id(self) -> str:
        return f"{settings.KAFKA_TOPIC_PREFIX}{self.name}"

    @property
    def dlq_topic(self) -> str:
        return dlq_topic(self.topic)


def consumers() -> dict[str, ConsumerSpec]:
    """The bridge consumers by name: the table `settings.BRIDGE_CONSUMERS` names."""
    table: dict[str, ConsumerSpec] = import_string(settings.BRIDGE_CONSUMERS)
    return table
