"""Reading back what reached the real broker: every message of some keys on some topics, from the start."""

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from workers.kafka.clients import make_consumer, physical_topic


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    key: str
    value: dict[str, Any]
    headers: dict[str, str]

    @property
    def event_id(self) -> str:
        return str(self.value["event_id"])


def consume(
    topics: Iterable[str],
    *,
    keys: set[str],
    until: Callable[[list[Received]], bool],
    timeout: float = 30.0,
) -> list[Received]:
    """Messages with one of `keys` on the (logical) topics, in arrival order per partition, until
    `until(messages)` holds or the deadline passes (then the caller's assertions say what is missing)."""
    consumer = make_consumer(f"test-reader-{uuid.uuid4().hex}", **{"enable.auto.commit": False})
    assignment = []
    for name in topics:
        topic = physical_topic(name)
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        assignment += [
            TopicPartition(topic, partition, OFFSET_BEGINNING) for partition in metadata.partitions
        ]
    consumer.assign(assignment)
    received: list[Received] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not until(received):
            for message in consumer.consume(num_messages=1000, timeout=0.2):
                if message.error():
                    continue
                key = (message.key() or b"").decode()
                if key not in keys:
                    continue
                received.append(
                    Received(
                        topic=message.topic() or "",
                        partition=message.partition() or 0,
                        offset=message.offset() or 0,
                        key=key,
                        value=json.loads(message.value() or b"null"),
                        headers=_headers(message.headers()),
                    )
                )
    finally:
        consumer.close()
    return received


def _headers(raw: Any) -> dict[str, str]:
    return {name: value.decode() if isinstance(value, bytes) else str(value) for name, value in raw or []}


def distinct_event_ids(messages: list[Received]) -> set[str]:
    return {message.event_id for message in messages}


def first_arrivals_by_key(messages: list[Received]) -> dict[str, list[str]]:
    """Per key, each event id once, in the order of its first arrival."""
    seen: set[str] = set()
    order: dict[str, list[str]] = {}
    for message in sorted(messages, key=lambda m: (m.topic, m.partition, m.offset)):
        if message.event_id not in seen:
            seen.add(message.event_id)
            order.setdefault(message.key, []).append(message.event_id)
    return order
