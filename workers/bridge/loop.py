"""Bridge consumers: Kafka records in, Celery tasks out, offsets stored only once Celery has the task.

(A consumer may instead name a handler that the bridge calls itself, live updates' Redis write: the record
is then done once the handler returns.)

`route()` is the pure decision for one record (hand off, skip, or dead-letter); `Bridge` is the generic loop
around it: poll, decide, act, store the offset. A consumer with a batch task gets the hand-offs of what one
fetch brought, from every partition, in one Celery message (`hand_off_batch`), and each partition's offset
moves past them once Redis has it. When Celery's broker (or the database, for a dead letter) cannot take a
record or a batch, its partition is paused and rewound to it, and retried with a backoff: the consumer keeps
polling (so it stays in its group) and nothing is skipped.
"""

import json
import logging
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from celery import current_app
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from django.conf import settings
from django.db import close_old_connections
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge, Histogram
from redis import Redis, RedisError

from workers.bridge.registry import ConsumerSpec
from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import Envelope, InvalidEnvelopeError, parse_envelope
from workers.kafka.clients import make_consumer, physical_topic
from workers.liveness import heartbeat
from workers.telemetry import tracing

logger = logging.getLogger(__name__)

RECORDS = Counter(
    "bridge_records",
    "Records handled by bridge consumers: handed_off, skipped, dead_lettered, or paused (not taken: the"
    " broker or database refused it, its partition paused to retry it)",
    ["consumer", "outcome"],
)
LAG = Gauge(
    "bridge_consumer_lag",
    "Records of a partition this bridge is assigned that its group has not committed yet",
    ["group", "topic", "partition"],
)
LAG_INTERVAL_MS = 5000  # how often librdkafka reports each partition's lag (its statistics)

BATCH_MAX = 100  # records in one Celery message at most (a flood's batches; a trickle's are smaller)
# How long a batch may wait to fill, only while the workers are behind (their queue holds a message): the
# records would wait there anyway, and a fuller batch costs them less per event.
BATCH_LINGER = 0.25
BATCH_SIZE = Histogram(
    "bridge_batch_records",
    "Records in each batch message a bridge handed to Celery",
    ["consumer"],
    buckets=(1, 2, 5, 10, 20, 50, 100),
)

PAUSE_INITIAL = 0.5
PAUSE_MAX = 30.0


class UnknownEventError(Exception):
    """The record is an envelope, but of a type or version this topic does not carry."""


@dataclass(frozen=True)
class HandOff:
    envelope: Envelope


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class Poison:
    error: Exception
    value: Any  # the decoded JSON, or the raw text when it was not JSON


Decision = HandOff | Skip | Poison


def route(spec: ConsumerSpec, value: bytes | None) -> Decision:
    """What to do with one record's value on `spec`'s topic."""
    if value is None:
        return Poison(InvalidEnvelopeError("the record has no value"), "")
    try:
        decoded = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return Poison(error, value.decode("utf-8", errors="replace"))
    try:
        envelope = parse_envelope(decoded)
    except InvalidEnvelopeError as error:
        return Poison(error, decoded)
    if envelope.event_type not in spec.event_types:
        return Poison(
            UnknownEventError(f"unknown event type {envelope.event_type!r} on {spec.topic}"), decoded
        )
    if envelope.event_version not in spec.event_versions:
        return Poison(UnknownEventError(f"unsupported event_version {envelope.event_version!r}"), decoded)
    if (spec.task_name is None and spec.handler is None) or not spec.wants(envelope):
        return Skip("not for this consumer")
    return HandOff(envelope)


def hand_off(spec: ConsumerSpec, envelope: Envelope) -> None:
    """Publish the Celery task (or call the handler); returns once the broker has it (Redis answered)."""
    if spec.handler is not None:
        spec.handler(envelope)
        return
    assert spec.task_name is not None
    current_app.send_task(
        spec.task_name,
        args=[envelope.raw],
        queue=spec.queue,
        task_id=f"{spec.name}:{envelope.event_id}",
        headers={"event_id": envelope.event_id},
        retry=False,  # fail fast: the bridge pauses the partition instead of blocking in here
    )


def hand_off_batch(spec: ConsumerSpec, envelopes: list[Envelope], *, traces: list[dict[str, str]]) -> None:
    """Publish one Celery task for `envelopes` (with each one's trace context, when any is traced); returns
    once the broker has it."""
    assert spec.batch_task_name is not None
    current_app.send_task(
        spec.batch_task_name,
        args=[[envelope.raw for envelope in envelopes]],
        kwargs={"traces": traces} if any(traces) else {},
        queue=spec.queue,
        task_id=f"{spec.name}:{envelopes[0].event_id}+{len(envelopes) - 1}",
        retry=False,
    )


class Bridge:
    def __init__(self, spec: ConsumerSpec, *, stop: threading.Event | None = None) -> None:
        self.spec = spec
        self.stop = stop or threading.Event()
        self.paused: dict[tuple[str, int], int] = {}  # partition -> offset to resume from
        self.pause_delay = PAUSE_INITIAL
        self.resume_at = 0.0
        self.consumer: Consumer | None = None
        self.assigned: set[int] = set()  # partitions of the topic this consumer is assigned
        self.broker: Redis | None = None  # Celery's, asked how many messages wait for the workers

    def run(self) -> None:
        """Hand records over until `stop` is set; outlive Kafka, Redis and PostgreSQL going away."""
        failures = 0
        alive = heartbeat()
        while not self.stop.is_set():
            alive.beat()
            consumer = self._subscribe()
            try:
                while not self.stop.is_set():
                    alive.beat()  # every poll (half a second at most), paused or not (workers/liveness.py)
                    self._maybe_resume(consumer)
                    messages = self._next_messages(consumer)
                    if messages:
                        self._handle_all(consumer, messages)
                        failures = 0
            except KafkaException as error:
                # librdkafka rides out broker outages by itself; what reaches here (a fatal consumer error,
                # a partition that cannot be paused or rewound) needs a new consumer. It starts from the
                # committed offsets, which never pass a record that was not handed over: nothing is skipped.
                failures += 1
                logger.warning("bridge %s: %s; starting a new consumer", self.spec.name, error)
            finally:
                self._close(consumer)
            if not self.stop.is_set():
                self.stop.wait(min(PAUSE_INITIAL * 2 ** (failures - 1), PAUSE_MAX))
        logger.info("bridge %s stopped", self.spec.name)

    def _subscribe(self) -> Consumer:
        spec = self.spec
        self.paused.clear()
        self._forget_lag(set(self.assigned))
        consumer = self.consumer = make_consumer(
            spec.group_id,
            **{
                "client.id": f"bridge-{spec.name}",
                "auto.commit.interval.ms": 1000,
                "statistics.interval.ms": LAG_INTERVAL_MS,
                "stats_cb": self._on_statistics,
            },
        )
        consumer.subscribe([physical_topic(spec.topic)], on_assign=self._on_assign, on_revoke=self._on_revoke)
        logger.info("bridge %s consuming %s as group %s", spec.name, spec.topic, spec.group_id)
        return consumer

    def _close(self, consumer: Consumer) -> None:
        try:
            consumer.close()  # commits the stored offsets and leaves the group
        except (KafkaException, RuntimeError) as error:
            logger.warning("bridge %s: closing the consumer failed: %s", self.spec.name, error)

    def _next_messages(self, consumer: Consumer) -> list[Message]:
        """Wait for one record, then take what is already fetched; with a batch task and workers behind,
        wait up to BATCH_LINGER for a full batch."""
        first = consumer.poll(0.5)
        if first is None:
            return []
        linger = BATCH_LINGER if self._workers_behind() else 0
        return [first, *consumer.consume(num_messages=2 * BATCH_MAX - 1, timeout=linger)]

    def _workers_behind(self) -> bool:
        """Whether the batch task's queue holds a message no worker has taken (each worker process reserves
        one at most: `CELERY_WORKER_PREFETCH_MULTIPLIER = 1`). Not known (Redis away) counts as no."""
        if self.spec.batch_task_name is None or self.spec.queue is None:
            return False
        if self.broker is None:
            url = settings.CELERY_BROKER_URL
            self.broker = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(self.broker.llen(self.spec.queue))
        except RedisError:
            return False

    def _handle_all(self, consumer: Consumer, messages: list[Message]) -> None:
        """Each record in order. With a batch task, the hand-offs of what one fetch brought go together, from
        every partition (up to BATCH_MAX), each partition's in its log order; a skipped record rides along
        (its offset moves with the batch's), and one to dead-letter first sends the batch before it."""
        batching = self.spec.batch_task_name is not None
        batch: list[tuple[Message, Envelope | None]] = []  # None: a skipped record
        handed = 0
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                if error.code() != KafkaError._PARTITION_EOF:
                    logger.warning("bridge %s: consumer error %s", self.spec.name, error)
                continue
            where = _partition_of(message)
            if where in self.paused:
                continue  # fetched before the pause; it is read again after the resume
            decision = route(self.spec, message.value())
            if batching and isinstance(decision, HandOff):
                batch.append((message, decision.envelope))
                handed += 1
                if handed == BATCH_MAX:
                    self._hand_off_batch(consumer, batch)
                    batch, handed = [], 0
                continue
            if batch and isinstance(decision, Skip):
                with _consume_span(self.spec, message):
                    self._act(decision, message)  # logs and counts it; its offset moves with the batch's
                batch.append((message, None))
                continue
            if batch:
                self._hand_off_batch(consumer, batch)
                batch, handed = [], 0
                if where in self.paused:
                    continue  # the batch before it was not taken: this record is read again after it
            self._handle(consumer, message, decision)
        if batch:
            self._hand_off_batch(consumer, batch)

    def _handle(self, consumer: Consumer, message: Message, decision: Decision) -> None:
        try:
            with _consume_span(self.spec, message):
                self._act(decision, message)
        except Exception as failure:  # the broker or database could not take it: keep it, retry later
            self._pause(consumer, [message], failure)
            return
        self._store_offset(consumer, message)

    def _hand_off_batch(self, consumer: Consumer, batch: list[tuple[Message, Envelope | None]]) -> None:
        """One Celery message for the batch's hand-offs; once the broker has it, the offset after each
        partition's last record (a skipped one too) is stored. Each hand-off gets its span, which its
        event's handling continues."""
        handed = [(message, envelope) for message, envelope in batch if envelope is not None]
        spans = [_start_consume_span(self.spec, message) for message, _ in handed]
        try:
            hand_off_batch(
                self.spec,
                [envelope for _, envelope in handed],
                traces=[tracing.span_headers(span) if span is not None else {} for span in spans],
            )
        except Exception as failure:  # the broker could not take it: the whole batch is read again
            for span in spans:
                if span is not None:
                    span.record_exception(failure)
                    span.end()
            firsts: dict[tuple[str, int], Message] = {}
            for message, _ in batch:
                firsts.setdefault(_partition_of(message), message)
            self._pause(consumer, list(firsts.values()), failure)
            return
        for span in spans:
            if span is not None:
                span.end()
        RECORDS.labels(consumer=self.spec.name, outcome="handed_off").inc(len(handed))
        BATCH_SIZE.labels(consumer=self.spec.name).observe(len(handed))
        lasts = {_partition_of(message): message for message, _ in batch}
        for message in lasts.values():
            self._store_offset(consumer, message)

    def _store_offset(self, consumer: Consumer, message: Message) -> None:
        """The record and those before it on its partition are done: committed with the next commit."""
        try:
            consumer.store_offsets(message=message)
        except KafkaException as error:
            # The partition was taken away meanwhile (a rebalance after a broker outage): its next owner
            # reads the record again from the last commit, and consumers absorb duplicates by event id.
            logger.warning("bridge %s: offset %s not stored: %s", self.spec.name, message.offset(), error)

    def _act(self, decision: Decision, message: Message) -> None:
        if isinstance(decision, HandOff):
            hand_off(self.spec, decision.envelope)
            RECORDS.labels(consumer=self.spec.name, outcome="handed_off").inc()
        elif isinstance(decision, Skip):
            logger.debug("bridge %s skipped offset %s: %s", self.spec.name, message.offset(), decision.reason)
            RECORDS.labels(consumer=self.spec.name, outcome="skipped").inc()
        else:
            failed = FailedEvent(
                topic=self.spec.topic,
                consumer=f"bridge-{self.spec.name}",
                envelope=decision.value,
                key=(message.key() or b"").decode("utf-8", errors="replace"),
                headers=_decode_headers(message.headers()),
                partition=message.partition(),
                offset=message.offset(),
            )
            record = dead_letter(failed=failed, error=decision.error)
            logger.warning("bridge %s dead-lettered %s: %s", self.spec.name, record.event_id, decision.error)
            RECORDS.labels(consumer=self.spec.name, outcome="dead_lettered").inc()

    def _pause(self, consumer: Consumer, messages: list[Message], failure: Exception) -> None:
        """Pause the partitions of `messages` (one each), to read them again from those records after a
        backoff."""
        close_old_connections()  # a database failure may have broken the connection: the retry opens anew
        for message in messages:
            (topic, partition), offset = _partition_of(message), message.offset() or 0
            consumer.pause([TopicPartition(topic, partition)])
            self.paused[(topic, partition)] = offset
            RECORDS.labels(consumer=self.spec.name, outcome="paused").inc()
            logger.warning(
                "bridge %s paused %s[%d] at offset %d for %.1fs: %s",
                self.spec.name,
                topic,
                partition,
                offset,
                self.pause_delay,
                failure,
            )
        self.resume_at = time.monotonic() + self.pause_delay
        self.pause_delay = min(self.pause_delay * 2, PAUSE_MAX)

    def _maybe_resume(self, consumer: Consumer) -> None:
        if not self.paused or time.monotonic() < self.resume_at:
            if not self.paused:
                self.pause_delay = PAUSE_INITIAL
            return
        partitions = [
            TopicPartition(topic, partition, offset) for (topic, partition), offset in self.paused.items()
        ]
        self.paused.clear()
        consumer.resume(partitions)
        for partition in partitions:
            consumer.seek(partition)  # back to the record that could not be taken; prefetched ones follow
        logger.info("bridge %s resumed %d partition(s)", self.spec.name, len(partitions))

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned.update(p.partition for p in partitions)
        logger.info("bridge %s assigned %s", self.spec.name, sorted(p.partition for p in partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for partition in partitions:
            self.paused.pop((partition.topic, partition.partition), None)
        self._forget_lag({p.partition for p in partitions})
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as error:
            if error.args[0].code() != KafkaError._NO_OFFSET:
                logger.warning("bridge %s: commit on revoke failed: %s", self.spec.name, error)

    def _on_statistics(self, report: str) -> None:
        """librdkafka's statistics (served by poll, every LAG_INTERVAL_MS): the lag of each partition this
        consumer is assigned, from the partition's end to the group's committed offset."""
        topic = json.loads(report).get("topics", {}).get(physical_topic(self.spec.topic), {})
        for partition in self.assigned:
            lag = topic.get("partitions", {}).get(str(partition), {}).get("consumer_lag", -1)
            if lag >= 0:  # -1: not known yet (nothing fetched, or nothing committed)
                LAG.labels(group=self.spec.group_id, topic=self.spec.topic, partition=str(partition)).set(lag)

    def _forget_lag(self, partitions: set[int]) -> None:
        """Partitions no longer assigned here: another bridge of the group reports their lag now."""
        for partition in partitions:
            LAG.remove(self.spec.group_id, self.spec.topic, str(partition))
        self.assigned -= partitions


def _partition_of(message: Message) -> tuple[str, int]:
    """The (topic, partition) a record came from: what pauses, rewinds and offsets are kept by."""
    return message.topic() or "", message.partition() or 0


def _consume_span(spec: ConsumerSpec, message: Message) -> AbstractContextManager[object]:
    """A span for handling one record, continuing the relay's (the Celery task published inside it
    carries the trace on); nothing when tracing is off or the record carries no trace."""
    span = _start_consume_span(spec, message)
    return nullcontext() if span is None else trace.use_span(span, end_on_exit=True)


def _start_consume_span(spec: ConsumerSpec, message: Message) -> trace.Span | None:
    """The started span of handling one record (the caller ends it); None without tracing or a trace."""
    if not tracing.enabled():
        return None
    headers = _decode_headers(message.headers())
    return tracing.kafka_span(
        "process",
        message.topic() or physical_topic(spec.topic),
        headers,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.consumer.group.name": spec.group_id,
            "messaging.message.id": headers.get("event_id", ""),
            "messaging.destination.partition.id": str(message.partition()),
            "messaging.kafka.offset": message.offset() or 0,
        },
    )


def _decode_headers(raw: Any) -> dict[str, str]:
    return {
        name: value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
        for name, value in raw or []
    }
