"""Benchmark of the outbox relay against the real PostgreSQL and Kafka of the local stack.

Run from the repository root: `.venv/bin/python bench/relay.py`. It prints figures and asserts nothing.

1. Drain: 200,000 outbox rows (1,000 users, envelopes of the real size) committed at once; time until
   `run_outbox_relay` (a separate process, default settings) has published and marked them all.
2. The limits that bound the drain, measured in the same run on the same rows:
   - the raw confluent-kafka producer rate for the same messages with the relay's producer settings;
   - the raw PostgreSQL rate of the relay's own claim and mark statements, without Kafka.
3. Latency: events committed one per transaction at 1,000/s for 10 s with the relay running; latency is
   the broker's LogAppendTime of each message minus the moment its transaction committed.
Uses its own database `todo_relay_bench` and its own topic prefix (dropped at the end).
"""

import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from harness import Process, ensure_database  # bench/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "todo_relay_bench"
os.environ["DATABASE_URL"] = f"postgres://todo:todo@127.0.0.1:5432/{BENCH_DB}"
os.environ["KAFKA_TOPIC_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}."
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))

ROWS = 200_000
USERS = 1_000
LATENCY_RATE = 1_000
LATENCY_SECONDS = 10


import django  # noqa: E402 - the environment above decides the database and topics

ensure_database(BENCH_DB)
django.setup()

from confluent_kafka import OFFSET_BEGINNING, TopicPartition  # noqa: E402
from confluent_kafka.admin import NewTopic  # noqa: E402

from workers.kafka.clients import TASK_UPDATES, make_admin, make_consumer, make_producer, physical_topic  # noqa: E402
from workers.relay.database import connect  # noqa: E402
from workers.relay.loop import _CLAIM, _HELD_KEYS, _MARK_PUBLISHED, RelaySettings  # noqa: E402

# An envelope of the size task.updated events have (a full task snapshot), built in SQL for speed.
PRELOAD = """
INSERT INTO outbox_events (topic, key, event_id, event_type, payload, headers, origin)
SELECT 'task-updates', 'bench-user-' || (n %% %(users)s), 'task.updated-' || n || '-' || %(stamp)s,
       'task.updated',
       jsonb_build_object(
           'event_id', 'task.updated-' || n || '-' || %(stamp)s, 'event_type', 'task.updated',
           'event_version', '1.0', 'task_id', n, 'user_id', 'bench-user-' || (n %% %(users)s),
           'timestamp', '2026-11-28T10:00:00.000Z',
           'payload', jsonb_build_object('task_id', n, 'changed', jsonb_build_array('title'), 'task',
               jsonb_build_object('id', n, 'user_id', 'bench-user-' || (n %% %(users)s),
                   'title', 'Benchmark task number ' || n, 'description', repeat('x', 80),
                   'completed', false, 'completed_at', null, 'priority', 'medium',
                   'tags', jsonb_build_array('work', 'home'), 'due_date', '2026-12-01T09:00:00.000Z',
                   'timezone', 'Europe/Paris', 'recurring_pattern', null, 'recurring_end_date', null,
                   'next_occurrence', null, 'parent_task_id', null, 'reminder_at', null,
                   'reminder_sent', false, 'created_at', '2026-11-28T10:00:00.000Z',
                   'updated_at', '2026-11-28T10:00:00.000Z'))),
       jsonb_build_object('event_id', 'task.updated-' || n || '-' || %(stamp)s,
                          'event_type', 'task.updated',
                          'traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
       'emitted'
FROM generate_series(1, %(rows)s) AS n
"""


def create_topic(log_append_time: bool) -> None:
    config = {"message.timestamp.type": "LogAppendTime"} if log_append_time else {}
    admin = make_admin()  # keep the client alive until its futures resolve
    futures = admin.create_topics([NewTopic(physical_topic(TASK_UPDATES), 12, 1, config=config)])
    for future in futures.values():
        future.result()


def drop_topics() -> None:
    admin = make_admin()
    prefix = os.environ["KAFKA_TOPIC_PREFIX"]
    topics = [name for name in admin.list_topics(timeout=10).topics if name.startswith(prefix)]
    for future in admin.delete_topics(topics).values() if topics else []:
        future.result()


def reset_outbox(connection: psycopg.Connection[Any]) -> None:
    connection.execute("TRUNCATE outbox_events")


def preload(connection: psycopg.Connection[Any]) -> float:
    started = time.perf_counter()
    connection.execute(PRELOAD, {"users": USERS, "rows": ROWS, "stamp": int(time.time() * 1000)})
    return time.perf_counter() - started


def pending(connection: psycopg.Connection[Any]) -> bool:
    """Cheap enough to ask every 50 ms without slowing the relay down (count(*) would)."""
    row = connection.execute(
        "SELECT EXISTS (SELECT 1 FROM outbox_events WHERE published_at IS NULL AND failed_at IS NULL)"
    ).fetchone()
    return bool(row and row[0])


def start_relay() -> Process:
    command = [sys.executable, "manage.py", "run_outbox_relay", "--poll-interval", "0.5"]
    relay = Process("bench-relay", command, logs=ROOT / ".cache" / "logs", LOG_LEVEL="INFO")
    relay.wait_until(lambda: "relay is active" in relay.log(), "'relay is active'", timeout=30)
    return relay


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_drain(connection: psycopg.Connection[Any]) -> tuple[float, float]:
    reset_outbox(connection)
    relay = start_relay()
    try:
        started = time.perf_counter()
        preload(connection)  # one transaction: the relay is woken by its NOTIFY at commit
        committed = time.perf_counter()
        while pending(connection):
            time.sleep(0.05)
        drained = time.perf_counter()
        memory = peak_rss_mib(relay.pid)
    finally:
        relay.stop()
    print(f"  preload of {ROWS:,} rows took {committed - started:.1f} s (not counted)")
    return ROWS / (drained - committed), memory


def bench_raw_producer(connection: psycopg.Connection[Any]) -> float:
    rows = connection.execute(
        "SELECT topic, key, payload::text, headers FROM outbox_events ORDER BY id"
    ).fetchall()  # headers parsed here, outside the timed loop
    config = RelaySettings()
    producer = make_producer(
        **{
            "message.timeout.ms": int(config.delivery_timeout * 1000),
            "queue.buffering.max.messages": max(100_000, 2 * config.batch_size),
            "batch.size": 1_000_000,
            "linger.ms": 2,
        }
    )
    delivered = 0

    def on_delivery(error: Any, message: Any) -> None:
        nonlocal delivered
        delivered += error is None

    started = time.perf_counter()
    for topic, key, value, headers in rows:
        while True:
            try:
                producer.produce(
                    physical_topic(topic),
                    value=value,
                    key=key,
                    headers=list(headers.items()),
                    on_delivery=on_delivery,
                )
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)
    elapsed = time.perf_counter() - started
    assert delivered == len(rows), f"{delivered} of {len(rows)} delivered"
    return len(rows) / elapsed


def bench_raw_database(connection: psycopg.Connection[Any]) -> float:
    connection.execute("UPDATE outbox_events SET published_at = NULL")
    connection.execute("VACUUM ANALYZE outbox_events")
    batch = RelaySettings().batch_size
    started = time.perf_counter()
    done = 0
    while rows := connection.execute(
        _CLAIM, [[key for (key,) in connection.execute(_HELD_KEYS).fetchall()], batch]
    ).fetchall():
        connection.execute(_MARK_PUBLISHED, [[row[0] for row in rows]])
        done += len(rows)
    return done / (time.perf_counter() - started)


def bench_latency(connection: psycopg.Connection[Any]) -> list[float]:
    reset_outbox(connection)
    relay = start_relay()
    commits: dict[str, float] = {}
    insert = (
        "INSERT INTO outbox_events (topic, key, event_id, event_type, payload, headers, origin) "
        "VALUES ('task-updates', %s, %s, 'task.updated', %s, %s, 'emitted')"
    )
    writers = 4  # one connection commits ~1,000 times a second at best: spread the offered load
    total = LATENCY_RATE * LATENCY_SECONDS
    started = time.perf_counter()

    def write(first: int) -> None:
        with connect(autocommit=True) as writer:
            for n in range(first, total, writers):
                if (wait := started + n / LATENCY_RATE - time.perf_counter()) > 0:
                    time.sleep(wait)
                event_id = f"latency-{n}"
                envelope = f'{{"event_id": "{event_id}", "n": {n}}}'
                headers = f'{{"event_id": "{event_id}", "event_type": "task.updated"}}'
                writer.execute(insert, [f"bench-user-{n % USERS}", event_id, envelope, headers])
                commits[event_id] = time.time()

    try:
        threads = [threading.Thread(target=write, args=(first,)) for first in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        offered = total / (time.perf_counter() - started)
        while pending(connection):
            time.sleep(0.05)
    finally:
        relay.stop()
    print(f"  offered {offered:,.0f} events/s, one transaction each")

    consumer = make_consumer(f"bench-{uuid.uuid4().hex}", **{"enable.auto.commit": False})
    topic = physical_topic(TASK_UPDATES)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(12)])
    latencies: list[float] = []
    deadline = time.monotonic() + 60
    seen: set[str] = set()
    while len(seen) < len(commits) and time.monotonic() < deadline:
        for message in consumer.consume(1000, timeout=0.5):
            if message.error():
                continue
            raw = dict(message.headers() or []).get("event_id")
            event_id = raw.decode() if isinstance(raw, bytes) else str(raw)
            if event_id in commits and event_id not in seen:
                seen.add(event_id)
                _, appended_ms = message.timestamp()
                latencies.append(appended_ms - commits[event_id] * 1000)
    consumer.close()
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    print(f"relay benchmark on {os.cpu_count()} cores; PostgreSQL, Kafka (1 broker) and the relay share them")
    with connect(autocommit=True) as connection:
        try:
            create_topic(log_append_time=True)
            print(f"1. drain of {ROWS:,} preloaded rows by run_outbox_relay")
            drain_rate, relay_memory = bench_drain(connection)
            print(f"  relay drain: {drain_rate:,.0f} events/s (relay peak RSS {relay_memory:.0f} MiB)")

            print("2. the limits, on the same rows")
            producer_rate = bench_raw_producer(connection)
            print(f"  raw producer (no database): {producer_rate:,.0f} messages/s")
            database_rate = bench_raw_database(connection)
            print(f"  raw claim + mark (no Kafka): {database_rate:,.0f} rows/s")
            serial_bound = 1 / (1 / producer_rate + 1 / database_rate)
            print(
                f"  relay / producer = {drain_rate / producer_rate:.2f}; relay / database = "
                f"{drain_rate / database_rate:.2f}; relay / (both in series, {serial_bound:,.0f}/s) = "
                f"{drain_rate / serial_bound:.2f}"
            )

            print(f"3. commit-to-broker latency at {LATENCY_RATE:,} events/s for {LATENCY_SECONDS} s")
            latencies = bench_latency(connection)
            print(
                f"  {len(latencies):,} events: p50 {statistics.median(latencies):.1f} ms, "
                f"p90 {percentile(latencies, 0.9):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
                f"max {max(latencies):.1f} ms "
                "(LogAppendTime has 1 ms resolution)"
            )
        finally:
            reset_outbox(connection)
            drop_topics()


if __name__ == "__main__":
    main()
