"""Benchmark of webhook delivery end to end, through the real processes of the local stack: from a task
change's commit to the receiver having the signed request.

Run from the repository root: `.venv/bin/python bench/webhooks.py` (about a minute). It prints figures and
asserts nothing.

The pipeline: `task_create()` / `task_update()` commit a change and its event (outbox) -> the relay
(`manage.py run_outbox_relay`) publishes it to Kafka `task-updates` -> the `webhooks` bridge (`manage.py
run_bridge webhooks`) hands it to Celery (queue `webhooks`) -> the worker (`-Q webhooks,webhook-deliveries
-c 4`, as the Procfile's `worker-webhooks`) creates the delivery row and enqueues its POST, which it then
signs and sends -> a receiver in this process (tests/support/webhook_receiver.py: http.server in a thread)
verifies the signature and records the arrival time. Each process is a subprocess with the project's
default settings (DEBUG off, WEBHOOKS_ALLOW_PRIVATE_TARGETS on: the receiver is on 127.0.0.1), started here
and always stopped here.

Isolation: its own database `todo_webhooks_bench` (created when missing, migrated, emptied at the start),
its own topic prefix `bench-hooks-<random>.` (deleted with the bridge's consumer group at the end) and its
own Celery broker database `redis://127.0.0.1:6379/11` (flushed at start and end). Logs:
.cache/logs/bench-webhooks/.

Load: USERS users with one endpoint each (every event type), then changes paced at RATE/s for SECONDS s from
two threads (creates and updates alternating, one transaction each). Latency = from `time.time()` right after
the change's transaction committed to `time.time()` when the receiver read the request (one machine, one
clock). The same-run bound: the CPU of every process over the paced phase, and the machine's busy cores.
"""

import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import redis

# bench/ is on the path of a script run from it
from harness import (
    Process,
    cpu_snapshot,
    cpu_use,
    drop_kafka_state,
    ensure_database,
    reset_database,
    say,
    spread,
    stop_on_sigterm,
    use_environment,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOGS = ROOT / ".cache" / "logs" / "bench-webhooks"
BENCH_DB = "todo_webhooks_bench"
BROKER_URL = "redis://127.0.0.1:6379/11"
SECRET = "whsec_bench-" + uuid.uuid4().hex  # every endpoint's, so the one receiver verifies them all
USERS = 20
RATE = int(os.environ.get("BENCH_WEBHOOKS_RATE", "20"))
SECONDS = int(os.environ.get("BENCH_WEBHOOKS_SECONDS", "30"))
WARMUP = 10
THREADS = 2
P = (0.5, 0.9, 0.99)

use_environment(
    BENCH_DB, topic_prefix="bench-hooks-", broker=BROKER_URL, WEBHOOKS_ALLOW_PRIVATE_TARGETS="true"
)

import django  # noqa: E402 - the environment above decides the database, topics and broker

ensure_database(BENCH_DB)
django.setup()

from django.utils import timezone  # noqa: E402

from tasks_app.models import Task, UserProfile  # noqa: E402
from tasks_app.services import task_create, task_update  # noqa: E402
from tests.support.webhook_receiver import WebhookReceiver  # noqa: E402
from webhooks_app.models import WebhookEndpoint  # noqa: E402
from workers.kafka.topics import topics_ensure  # noqa: E402
from workers.relay.database import connect  # noqa: E402

POOL = ThreadPoolExecutor(max_workers=THREADS)


def manage(name: str, *args: str) -> Process:
    return Process(name, [sys.executable, "manage.py", *args], logs=LOGS, LOG_LEVEL="INFO")


def start_processes() -> list[Process]:
    relay = manage("relay", "run_outbox_relay")
    relay.wait_until(lambda: "relay is active" in relay.log(), "'relay is active'")
    bridge = manage("bridge-webhooks", "run_bridge", "webhooks")
    bridge.wait_until(lambda: "assigned" in bridge.log(), "partition assignment")
    command = [str(BIN / "celery"), "-A", "todo_project", "worker", "-Q", "webhooks,webhook-deliveries"]
    command += [
        "-c",
        "4",
        "-n",
        f"bench-hooks-{uuid.uuid4().hex[:6]}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    worker = Process("worker-webhooks", [*command, "-l", "info"], logs=LOGS)
    worker.wait_until(lambda: "ready." in worker.log(), "'ready.'")
    return [relay, bridge, worker]


def seed(receiver: WebhookReceiver) -> list[UserProfile]:
    users = UserProfile.objects.bulk_create(
        UserProfile(id=f"bench-hooks-user-{n}", email=f"user{n}@bench.example", name=f"User {n}")
        for n in range(USERS)
    )
    now = timezone.now()
    WebhookEndpoint.objects.bulk_create(
        WebhookEndpoint(
            user=user,
            url=receiver.url(f"/hooks/{user.id}"),
            event_types=["task.created", "task.updated", "task.deleted"],
            secret=SECRET,
            created_at=now,
            updated_at=now,
        )
        for user in users
    )
    return users


def offer(users: list[UserProfile], *, count: int, rate: float) -> tuple[dict[str, float], float]:
    """`count` changes paced at `rate`/s: creates, and updates of the task created just before. Returns
    {event key: commit time} (key: `<task id>:<created|updated>`) and the worst lateness of the pacing."""
    commits: dict[str, float] = {}
    started = time.perf_counter()

    def work(first: int) -> float:
        worst = 0.0
        previous: Task | None = None
        for n in range(first, count, THREADS):
            wait = started + n / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                worst = max(worst, -wait)
            if previous is not None and n % 2 == 1:
                task = task_update(
                    task=previous, changes={"title": f"{previous.title} (edited)"}, at=timezone.now()
                )
                commits[f"{task.pk}:task.updated"] = time.time()
                previous = None
            else:
                previous = task_create(
                    user=users[n % USERS], title=f"Change {n}", tags=["bench"], at=timezone.now()
                )
                commits[f"{previous.pk}:task.created"] = time.time()
        return worst

    worst = max(future.result() for future in [POOL.submit(work, first) for first in range(THREADS)])
    return commits, worst


def arrivals(receiver: WebhookReceiver) -> dict[str, list[float]]:
    seen: dict[str, list[float]] = {}
    for received in receiver.delivered():
        message = received.json
        seen.setdefault(f"{message['data']['task']['id']}:{message['type']}", []).append(received.at)
    return seen


def wait_for_deliveries(receiver: WebhookReceiver, keys: set[str], timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if keys <= set(arrivals(receiver)):
            break
        time.sleep(0.1)
    return time.monotonic()


def bench_backends(probe: psycopg.Connection[Any]) -> set[int]:
    rows = probe.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]).fetchall()
    return {int(row[0]) for row in rows}


def main() -> None:
    stop_on_sigterm()
    started = time.monotonic()
    say(
        f"webhook delivery benchmark on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at "
        f"start), topics {os.environ['KAFKA_TOPIC_PREFIX']}*, Celery broker {BROKER_URL}"
    )
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    receiver = WebhookReceiver(secret=SECRET).start()
    processes: list[Process] = []
    with connect(autocommit=True, application_name="bench-webhooks-probe") as probe:
        try:
            reset_database(probe)
            probe.execute("TRUNCATE webhook_endpoints CASCADE")
            topics_ensure()
            processes = start_processes()
            roles = {os.getpid(): "bench (load generator, receiver)"}
            roles.update({process.pid: process.name for process in processes})
            users = seed(receiver)

            warm, _ = offer(users, count=WARMUP, rate=5)
            wait_for_deliveries(receiver, set(warm), 60)
            receiver.reset()

            say(
                f"paced: {RATE} changes/s for {SECONDS} s ({USERS} users, one endpoint each, creates and "
                "updates)"
            )
            before = cpu_snapshot(roles, bench_backends(probe))
            commits, worst = offer(users, count=RATE * SECONDS, rate=RATE)
            offered = cpu_snapshot(roles, bench_backends(probe))
            wait_for_deliveries(receiver, set(commits), 60)
            seen = arrivals(receiver)
            latencies = [(seen[key][0] - at) * 1000 for key, at in commits.items() if key in seen]
            duplicates = sum(len(times) - 1 for times in seen.values())
            unverified = sum(1 for received in receiver.all() if not received.verified)
            say(
                f"  offered {len(commits)} changes (pacing late by {worst * 1000:.0f} ms at worst); "
                f"delivered {len(latencies)}, missing {len(commits) - len(latencies)}, "
                f"duplicates {duplicates}, signatures not verified {unverified}"
            )
            say(f"  commit -> receiver: {spread(latencies, P)}")
            say(f"  commit -> receiver, mean {sum(latencies) / max(1, len(latencies)):,.0f} ms")
            say(f"  {cpu_use(before, offered).report()}")
            for process in processes:
                process.say_problems()
        finally:
            for process in reversed(processes):
                process.stop()
            receiver.stop()
            POOL.shutdown()
            try:
                drop_kafka_state(consumer_group="webhooks")
            except Exception as error:  # the stack is shared: report, go on cleaning
                say(f"could not drop the Kafka state: {error!r}")
            broker.flushdb()
    say(f"run took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
