"""The outbox relay: publishes committed outbox rows to Kafka, in order per user, at least once.

One relay is active at a time: it holds a PostgreSQL advisory lock on its own connection; others wait on
standby and take over within a second when the holder dies (its connection, and so its lock, goes away).
A single active relay keeps each user's events in outbox order without coordinating cursors, and one
process on one connection already publishes tens of thousands of events a second.

Each round: claim the oldest pending rows (by id, never by an `id > last_seen` cursor, which would skip
rows that commit out of order), produce them with an idempotent producer, wait for every delivery report,
then mark exactly the delivered rows published. A crash anywhere leaves undelivered rows pending and, at
worst, re-publishes delivered ones: consumers absorb duplicates by event id.
"""

import collections
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from opentelemetry.trace import Span, SpanKind, StatusCode
from prometheus_client import Counter, Gauge

from workers.kafka.clients import make_producer, physical_topic
from workers.liveness import heartbeat
from workers.relay.database import connect
from workers.telemetry import tracing
from workers.telemetry.tracing import span_headers

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox_events"
# Any constant unique to this use: pg_try_advisory_lock(bigint) is a database-wide name space.
LEADER_LOCK_ID = 7_262_420_001
TOPIC_CACHE_SECONDS = 10.0

# Errors that say the broker or the network is unwell, not that a row is bad: the whole relay backs
# off and the rows keep their place and their attempt count.
TRANSIENT_ERRORS = frozenset(
    {
        KafkaError._MSG_TIMED_OUT,
        KafkaError._TRANSPORT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError._TIMED_OUT,
        KafkaError._TIMED_OUT_QUEUE,
        KafkaError._QUEUE_FULL,
        KafkaError._PURGE_QUEUE,
        KafkaError._PURGE_INFLIGHT,
        KafkaError.NOT_ENOUGH_REPLICAS,
        KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        KafkaError.REQUEST_TIMED_OUT,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.NETWORK_EXCEPTION,
    }
)

PUBLISHED = Counter("outbox_relay_published", "Outbox events the broker acknowledged", ["topic"])
FAILED = Counter(
    "outbox_relay_failed",
    "Outbox events not delivered: transient (the broker's trouble: the relay backs off) or refused (the"
    " row's: it backs off alone)",
    ["topic", "kind"],
)
GIVEN_UP = Counter("outbox_relay_given_up", "Outbox rows given up after the last attempt", ["topic"])
BACKLOG = Gauge("outbox_backlog", "Outbox rows waiting to be published")
OLDEST_AGE = Gauge("outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row")

# The three headers every event has come out as columns; only the rare extra ones (dead letters) are
# JSON for the driver to parse: json.loads per row would cost a fifth of the relay's time.
_CLAIM = """
    SELECT o.id, o.topic, o.key, o.payload::text,
           o.headers->>'event_id', o.headers->>'event_type', o.headers->>'traceparent',
           NULLIF(o.headers - 'event_id' - 'event_type' - 'traceparent', '{}'::jsonb)
    FROM outbox_events o
    WHERE o.published_at IS NULL AND o.failed_at IS NULL
      AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= now())
      AND o.key <> ALL(%s)
    ORDER BY o.id
    LIMIT %s
"""
# Users with a row waiting out a backoff: their later rows wait too (per-user order). Asked apart, from a
# small partial index, rather than as a correlated NOT EXISTS: with the statistics of an outbox that was
# empty a moment ago, PostgreSQL may plan that as a nested loop over the whole table.
_HELD_KEYS = """
    SELECT DISTINCT key FROM outbox_events
    WHERE published_at IS NULL AND next_attempt_at IS NOT NULL AND failed_at IS NULL
      AND next_attempt_at > now()
"""
_MARK_PUBLISHED = "UPDATE outbox_events SET published_at = now() WHERE id = ANY(%s)"
_MARK_FAILED = """
    UPDATE outbox_events
    SET attempts = attempts + 1,
        last_error = %s,
        next_attempt_at = now() + make_interval(secs => LEAST(%s * power(2, attempts), %s)),
        failed_at = CASE WHEN attempts + 1 >= %s THEN now() END
    WHERE id = %s
    RETURNING failed_at IS NOT NULL
"""
_BACKLOG = """
    SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))
    FROM outbox_events WHERE published_at IS NULL AND failed_at IS NULL
"""


@dataclass(frozen=True)
class RelaySettings:
    batch_size: int = 5000
    poll_interval: float = 1.0  # fallback when a notification is missed
    standby_interval: float = 1.0  # how often a standby relay tries to become active
    delivery_timeout: float = 30.0  # librdkafka's message.timeout.ms: every message is settled by then
    row_backoff_base: float = 1.0  # seconds; doubles per attempt of a row the broker refused
    row_backoff_max: float = 300.0
    max_attempts: int = 10  # then the row is given up and reported
    relay_backoff_max: float = 10.0  # broker or database unreachable
    stats_interval: float = 10.0
    max_message_bytes: int = 1_000_000  # the broker's message.max.bytes
    producer_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    row_id: int
    reason: str
    transient: bool


@dataclass
class RoundResult:
    claimed: int = 0
    published: int = 0
    failed: int = 0
    transient: bool = False


class OutboxRelay:
    def __init__(self, config: RelaySettings | None = None, *, stop: threading.Event | None = None) -> None:
        self.config = config or RelaySettings()
        self.stop = stop or threading.Event()
        self.connection: psycopg.Connection[Any] | None = None
        self.producer: Producer | None = None
        self.is_leader = False
        self.published_total = 0
        self._stats_at = time.monotonic()
        self._published_since_stats = 0
        self._topics: frozenset[str] = frozenset()
        self._topics_at = -TOPIC_CACHE_SECONDS

    # --- lifecycle ----------------------------------------------------------------------------------

    def run(self) -> None:
        """Publish until `stop` is set; survive the database and the broker going away and coming back."""
        logger.info("outbox relay starting (batch %d)", self.config.batch_size)
        failures = 0
        alive = heartbeat()
        while not self.stop.is_set():
            alive.beat()  # every round, standby or active, waiting or backing off (workers/liveness.py)
            try:
                if not self._ensure_leadership():
                    self.stop.wait(self.config.standby_interval)
                    continue
                self._report_stats()  # before the round, which raises for as long as the broker is away
                result = self.run_round()
                failures = failures + 1 if result.transient else 0
                if result.transient:
                    self._back_off(failures, "the broker did not acknowledge the batch")
                elif result.claimed == 0:
                    self._wait_for_work()
            except psycopg.Error as error:
                failures += 1
                logger.warning("database unavailable (%s); reconnecting", type(error).__name__)
                self._drop_connection()
                self._back_off(failures, "database error")
            except KafkaException as error:
                # Metadata requests and produce() raise while the broker is away; librdkafka reconnects by
                # itself, so the relay only waits. Rows not yet delivered stay pending and keep their place.
                failures += 1
                self._broker_failed(error)
                self._back_off(failures, "broker unavailable")
        self._shutdown()

    def _broker_failed(self, error: KafkaException) -> None:
        kafka_error = error.args[0] if error.args and isinstance(error.args[0], KafkaError) else None
        logger.warning("broker error: %s", kafka_error or error)
        if kafka_error is not None and kafka_error.fatal():
            self._replace_producer("fatal producer error")

    def _replace_producer(self, reason: str) -> None:
        # A fatal error (e.g. the idempotent producer lost its sequence) leaves the producer unusable:
        # a new one gets a new producer id. Messages of the old one are dropped; their rows stay pending.
        logger.warning("replacing the Kafka producer: %s", reason)
        if self.producer is not None:
            self.producer.purge()
            self.producer.flush(0)
        self.producer = None
        self._topics_at = -TOPIC_CACHE_SECONDS

    def _back_off(self, failures: int, reason: str) -> None:
        delay = min(0.5 * 2 ** (failures - 1), self.config.relay_backoff_max)
        logger.info("relay backing off %.1fs: %s", delay, reason)
        self.stop.wait(delay)

    def _ensure_leadership(self) -> bool:
        if self.connection is None or self.connection.closed:
            self.is_leader = False
            self.connection = connect(application_name="outbox-relay")
            self.connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        if not self.is_leader:
            row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK_ID]).fetchone()
            self.is_leader = bool(row and row[0])
            if self.is_leader:
                logger.info("outbox relay is active")
                # Connect and register the idempotent producer now, not on the first event's clock; a
                # broker that is away now only means the first round waits for it.
                try:
                    self._topic_exists("")
                except KafkaException as error:
                    logger.warning("broker not reachable yet: %s", error)
        return self.is_leader

    def _drop_connection(self) -> None:
        self.is_leader = False
        if self.connection is not None:
            try:
                self.connection.close()
            except psycopg.Error:
                logger.debug("closing a broken connection failed", exc_info=True)
        self.connection = None

    def _wait_for_work(self) -> None:
        assert self.connection is not None
        # Returns at the first notification or after the poll interval; stop is checked every round.
        timeout = min(self.config.poll_interval, 0.5)
        deadline = time.monotonic() + self.config.poll_interval
        while not self.stop.is_set() and time.monotonic() < deadline:
            if any(True for _ in self.connection.notifies(timeout=timeout, stop_after=1)):
                return

    def _shutdown(self) -> None:
        if self.producer is not None:
            self.producer.flush(5)
        self._drop_connection()
        logger.info("outbox relay stopped; published %d events", self.published_total)

    # --- one round ----------------------------------------------------------------------------------

    def _producer(self) -> Producer:
        if self.producer is None:
            self.producer = make_producer(
                **{
                    "client.id": "outbox-relay",
                    "message.timeout.ms": int(self.config.delivery_timeout * 1000),
                    "queue.buffering.max.messages": max(100_000, 2 * self.config.batch_size),
                    "batch.size": 1_000_000,
                    "linger.ms": 2,
                    **self.config.producer_overrides,
                }
            )
        return self.producer

    def run_round(self) -> RoundResult:
        """Claim, produce, await every delivery report, mark. Returns what happened."""
        assert self.connection is not None
        held_keys = [key for (key,) in self.connection.execute(_HELD_KEYS).fetchall()]
        rows = self.connection.execute(_CLAIM, [held_keys, self.config.batch_size]).fetchall()
        result = RoundResult(claimed=len(rows))
        if not rows:
            return result
        topic_of = {row[0]: row[1] for row in rows}  # row id -> logical topic, for the counters

        delivered: list[int] = []
        refused: list[Refusal] = []
        fatal: list[KafkaError] = []

        def on_delivery(row_id: int, span: Span | None, error: KafkaError | None, message: Message) -> None:
            if span is not None:
                if error is not None:
                    span.set_status(StatusCode.ERROR, error.str())
                span.end()
            if error is None:
                delivered.append(row_id)
            else:
                if error.fatal():
                    fatal.append(error)  # the producer's fault, not the row's
                transient = error.code() in TRANSIENT_ERRORS or error.retriable() or error.fatal()
                refused.append(Refusal(row_id, f"{error.name()}: {error.str()}", transient))

        producer = self._producer()
        held: set[str] = set()  # users with a refused row in this batch: their later rows wait
        # Logical -> physical name, None when it does not exist. Asked before anything is produced, so a
        # broker that cannot answer ends the round with nothing in flight.
        topics: dict[str, str | None] = {
            topic: physical_topic(topic) if self._topic_exists(physical_topic(topic)) else None
            for topic in {row[1] for row in rows}
        }
        produced = refused_here = 0
        for row_id, topic, key, value, event_id, event_type, traceparent, extra_headers in rows:
            if key in held:
                continue
            problem = self._check_before_producing(topic, topics[topic], value)
            if problem:
                refused.append(Refusal(row_id, problem, transient=False))
                held.add(key)
                refused_here += 1
                continue
            carried = {**(extra_headers or {}), **({"traceparent": traceparent} if traceparent else {})}
            span = _publish_span(row_id, event_id, topics[topic] or topic, carried)
            if span is not None:
                carried.update(span_headers(span))  # the consumer continues the relay's span
            headers: list[tuple[str, str | bytes | None]] = [
                ("event_id", event_id),
                ("event_type", event_type),
                *carried.items(),
            ]
            callback: Callable[[KafkaError | None, Message], None] = functools.partial(
                on_delivery, row_id, span
            )
            self._produce(producer, topics[topic] or topic, key, value, headers, callback)
            produced += 1
        self._await_reports(producer, produced + refused_here, delivered, refused)
        if fatal:
            self._replace_producer(fatal[0].str())

        if delivered:
            self.connection.execute(_MARK_PUBLISHED, [delivered])
        result.published = len(delivered)
        result.failed = len(refused)
        result.transient = self._record_failures(refused, topic_of)
        self._count(result, [topic_of[row_id] for row_id in delivered])
        logger.debug(
            "relay round: claimed %d, published %d, refused %d", len(rows), len(delivered), len(refused)
        )
        return result

    def _check_before_producing(self, topic: str, physical: str | None, value: str) -> str | None:
        """Refusals known without asking the broker, so the user's later rows are not sent past them."""
        if physical is None:
            return f"UNKNOWN_TOPIC: topic {physical_topic(topic)!r} does not exist"
        if len(value) > self.config.max_message_bytes:
            return f"MSG_SIZE_TOO_LARGE: {len(value)} bytes"
        return None

    def _topic_exists(self, topic: str) -> bool:
        # Cached; a miss refreshes at once (at most every second) so a topic created a moment ago counts.
        age = time.monotonic() - self._topics_at
        if age > TOPIC_CACHE_SECONDS or (topic not in self._topics and age > 1.0):
            self._topics = frozenset(self._producer().list_topics(timeout=10).topics)
            self._topics_at = time.monotonic()
        return topic in self._topics

    def _produce(
        self,
        producer: Producer,
        topic: str,
        key: str,
        value: str,
        headers: list[tuple[str, str | bytes | None]],
        callback: Callable[[KafkaError | None, Message], None],
    ) -> None:
        while True:
            try:
                producer.produce(topic, value=value, key=key, headers=headers, on_delivery=callback)
                return
            except BufferError:
                producer.poll(0.05)  # the local queue is full: serve delivery reports, then go on

    def _await_reports(
        self, producer: Producer, expected: int, delivered: list[int], refused: list["Refusal"]
    ) -> None:
        # Every message gets a report within message.timeout.ms, so this ends. On stop, give in-flight
        # messages a short grace: what is not confirmed stays pending and is published again later.
        grace_deadline: float | None = None
        while len(delivered) + len(refused) < expected:
            producer.flush(0.1)
            if self.stop.is_set():
                grace_deadline = grace_deadline or time.monotonic() + 5.0
                if time.monotonic() > grace_deadline:
                    logger.warning("stopping with messages unconfirmed; they stay pending")
                    return

    def _record_failures(self, refused: list["Refusal"], topic_of: dict[int, str]) -> bool:
        """Back off rows the broker refused; True when the failures were the broker's, not the rows'."""
        assert self.connection is not None
        transient = False
        for refusal in refused:
            topic = topic_of[refusal.row_id]
            if refusal.transient:
                transient = True
                FAILED.labels(topic=topic, kind="transient").inc()
                continue
            FAILED.labels(topic=topic, kind="refused").inc()
            row = self.connection.execute(
                _MARK_FAILED,
                [
                    refusal.reason[:2000],
                    self.config.row_backoff_base,
                    self.config.row_backoff_max,
                    self.config.max_attempts,
                    refusal.row_id,
                ],
            ).fetchone()
            if row and row[0]:
                GIVEN_UP.labels(topic=topic).inc()
                logger.error("outbox row %d given up: %s", refusal.row_id, refusal.reason)
            else:
                logger.warning("outbox row %d refused: %s", refusal.row_id, refusal.reason)
        return transient

    # --- counters -----------------------------------------------------------------------------------

    def _count(self, result: RoundResult, delivered_topics: list[str]) -> None:
        self.published_total += result.published
        self._published_since_stats += result.published
        for topic, count in collections.Counter(delivered_topics).items():
            PUBLISHED.labels(topic=topic).inc(count)

    def _report_stats(self) -> None:
        now = time.monotonic()
        if now - self._stats_at < self.config.stats_interval or self.connection is None:
            return
        row = self.connection.execute(_BACKLOG).fetchone()
        backlog, oldest = (row[0], float(row[1] or 0)) if row else (0, 0.0)
        BACKLOG.set(backlog)
        OLDEST_AGE.set(oldest)
        rate = self._published_since_stats / (now - self._stats_at)
        logger.info(
            "relay: published %d (%.0f/s) since last report, %d in all; backlog %d, oldest %.1fs",
            self._published_since_stats,
            rate,
            self.published_total,
            backlog,
            oldest,
        )
        self._stats_at, self._published_since_stats = now, 0


def _publish_span(row_id: int, event_id: str, topic: str, headers: dict[str, str]) -> Span | None:
    """A span for one row's publication, continuing the trace of the request that wrote it (if traced);
    it ends with the row's delivery report."""
    return tracing.kafka_span(
        "send",
        topic,
        headers,
        kind=SpanKind.PRODUCER,
        attributes={"messaging.message.id": event_id, "todo.outbox_id": row_id},
    )
