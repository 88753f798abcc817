"""Kafka in one place: topic names (with the deployment prefix) and client factories."""

import logging
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from django.conf import settings

logger = logging.getLogger(__name__)

TASK_EVENTS = "task-events"
REMINDERS = "reminders"
TASK_UPDATES = "task-updates"

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic the platform owns; `name` is logical, `physical_topic()` adds the prefix."""

    name: str
    retention_ms: int | None = None  # None: the broker's default


SOURCE_TOPICS = (TASK_EVENTS, REMINDERS, TASK_UPDATES)
DLQ_RETENTION_DAYS = {TASK_EVENTS: 30, REMINDERS: 7, TASK_UPDATES: 14}


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of a source topic (logical name)."""
    return f"{topic}-dlq"


def topic_specs() -> list[TopicSpec]:
    """Every topic the platform needs: the three source topics and their dead-letter topics."""
    specs = [TopicSpec(name) for name in SOURCE_TOPICS]
    specs += [
        TopicSpec(dlq_topic(name), retention_ms=DLQ_RETENTION_DAYS[name] * DAY_MS) for name in SOURCE_TOPICS
    ]
    return specs


def physical_topic(name: str) -> str:
    """The topic name on the broker: the deployment's prefix plus the logical name."""
    return f"{settings.KAFKA_TOPIC_PREFIX}{name}"


def client_config(**overrides: Any) -> dict[str, Any]:
    """Base librdkafka configuration shared by producers, consumers and admin clients."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "client.id": "todo-platform",
        # librdkafka otherwise prints to stderr directly; route it through logging instead.
        "logger": logging.getLogger("librdkafka"),
    }
    config.update(settings.KAFKA_CLIENT_CONFIG)
    config.update(overrides)
    return config


def make_producer(**overrides: Any) -> Producer:
    """An idempotent producer: the broker acknowledges only what all in-sync replicas have."""
    return Producer(
        client_config(
            **{
                "enable.idempotence": True,
                "acks": "all",
                # Same key -> same partition as Java clients (Kafka Streams, Connect) would choose.
                "partitioner": "murmur2_random",
                "compression.type": "lz4",
                "linger.ms": 5,
                **overrides,
            }
        )
    )


def make_consumer(group_id: str, **overrides: Any) -> Consumer:
    """A consumer that stores offsets only when the caller says so (see the bridge)."""
    return Consumer(
        client_config(
            **{
                "group.id": group_id,
                "enable.auto.commit": True,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                # A killed bridge's partitions go to its replacement (or a sibling) once the broker misses
                # its heartbeats for this long: librdkafka's default, 45 s, stalled the fast path as long.
                "session.timeout.ms": 10_000,
                "heartbeat.interval.ms": 3_000,
                **overrides,
            }
        )
    )


def make_admin(**overrides: Any) -> AdminClient:
    return AdminClient(client_config(**overrides))
