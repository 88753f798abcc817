"""Benchmark of the recurrence pipeline end to end, through the real processes of the local stack.

Run from the repository root: `.venv/bin/python bench/recurrence.py` (about 4 minutes). It prints figures and
asserts nothing.

The pipeline: `task_complete()` commits a completion and its `task.completed` event (outbox) -> the relay
(`manage.py run_outbox_relay`) publishes it to Kafka -> the bridge (`manage.py run_bridge recurrence`) hands
it to Celery (Redis) -> one Celery worker (`-Q recurrence`, prefork) creates the series' next task. Each
process is a subprocess with the project's default settings, started here and always stopped here (SIGTERM
to its process group, SIGKILL after a grace period).

Isolation: its own database `todo_recurrence_bench` (created when missing, migrated with `manage.py
migrate`, emptied at the start of each run), its own topic prefix `bench-rec-<random>.` (topics created by
`topics_ensure()`, deleted with the bridge's consumer group at the end) and its own Celery broker database
`redis://127.0.0.1:6379/14` (flushed at start and end), so no other worker takes its tasks. DEBUG is off
(with throw-away secrets), as in production. Logs: .cache/logs/bench-recurrence/. Tracing's cost: run it with
`OTEL_TRACES_EXPORTER=zipkin_json OTEL_TRACES_SAMPLER_ARG=<ratio>` (and Zipkin up: scripts/zipkin.sh up); each
completion then starts a trace, as an API request does, that the relay, the bridge and the worker continue.

Seed: 200 users (Europe/Paris) and DAILY tasks due tomorrow at 09:00 Paris time, through
`tasks_app.services.task_create` (so their outbox events are the real ones); the relay drains the seed's
events before anything is measured. Each seeded task is completed once, through `task_complete()`, so exactly
one next occurrence is expected per completion (a unique constraint forbids a second).

For each worker concurrency (`-c 2`, then `-c 1`), after a warm-up of a few completions:

1. Latency, with completions paced from two threads (one transaction each; the offered rate is printed):
   at 10/s for 10 s (below the worker's capacity: the pipeline's own latency), and with `-c 2` at 100/s for
   20 s. Latency = from the completion's commit (`time.time()` right after `task_complete()` returns) to the
   next task's `created_at`, read back from the database afterwards. `created_at` is the worker's
   `timezone.now()` taken when its handler starts, just before the transaction that inserts the task, which
   commits a few ms later: a lower bound of commit-to-commit. The upper bound printed is the relay marking
   the new task's `task.created` event published (after that commit and the broker's acknowledgement). One
   machine, so one clock for all of them. The relay's share is shown apart (commit -> its `task.completed`
   event marked published).
2. With `-c 2`, the whole pipeline at 1,000 completions/s offered for 10 s at an even pace from four threads,
   one transaction each as the API's are. They are committed with bench/api_floor.py's `complete` (the same
   SQL and outbox rows as `task_complete()`, through psycopg without Django): the cheapest producer of the
   API's writes (through the ORM four threads commit about 250/s, the burst below). Printed: the offered
   rate and how far behind the pace it fell, the backlog of each stage when the offer ended, how long after
   the last completion the last next occurrence came, the latency of each completion as in 1., where the
   CPU went, and the producer's own CPU per completion (this process and its PostgreSQL backends, counted
   apart): the most completions/s the cores could take from it with nothing else running. The pipeline
   keeps up when the rate end to end is the offered one and the last next occurrence follows the last
   completion within about a second.
3. Maximum rate of the ORM's completions: a burst of completions offered as fast as four threads commit them;
   the time until every next occurrence exists gives the end-to-end rate, printed with the offered rate (to
   show the offer was not the bound), the worker's steady creation rate (`created_at`, 10th to 90th
   percentile), the backlog of each stage when the offer ended, the PostgreSQL sessions opened, and where the
   CPU went (every process in /proc, including the CPU of exited PostgreSQL backends, which the postmaster
   reaps).
4. With `-c 2`, the event path's own capacity: a backlog of completions committed (and published to Kafka by
   the relay) while the bridge is stopped; then the bridge starts, and the time until every next occurrence
   exists gives the rate at which bridge, Celery and handler drain it, with their CPU per completion; the
   bridge's start-up (until the first next occurrence) and the drain after it (first to last next
   occurrence, by `created_at`) are also shown apart. The burst's rate is bounded by how fast the load
   generator's threads commit completions through the ORM; this one is not.

The stack is shared: a phase says so when Redis restarted under it or a process logged warnings or errors,
and stops waiting for next occurrences once none has appeared for 20 s.
"""

import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import api_floor  # bench/api_floor.py: a completion's SQL without Django
import psycopg
import psycopg.sql
import redis

# bench/ is on the path of a script run from it
from harness import (
    EXITED_BACKENDS,
    CpuSnapshot,
    CpuUse,
    Process,
    cpu_snapshot,
    cpu_use,
    drop_kafka_state,
    ensure_database,
    percentile,
    reset_database,
    say,
    spread,
    stop_on_sigterm,
    use_environment,
)

ROOT = Path(__file__).resolve().parent.parent
P90 = (0.5, 0.9, 0.99)  # the percentiles of the latency lines
BIN = Path(sys.executable).parent
LOGS = ROOT / ".cache" / "logs" / "bench-recurrence"

ADMIN_DSN = "postgresql://todo:todo@127.0.0.1:5432/todo"
BENCH_DB = "todo_recurrence_bench"
BROKER_URL = "redis://127.0.0.1:6379/14"
QUEUE = "recurrence"

use_environment(BENCH_DB, topic_prefix="bench-rec-", broker=BROKER_URL)


@dataclass(frozen=True)
class Plan:
    concurrency: int
    rates: tuple[tuple[int, int], ...]  # paced latency phases: (completions/s, seconds)
    burst: int
    backlog: int = 0  # completions made while the bridge is stopped, handled once it starts again
    sustained: tuple[int, int] | None = None  # (completions/s, seconds) offered by the floor's SQL

    @property
    def tasks(self) -> int:
        paced = sum(rate * seconds for rate, seconds in (*self.rates, *filter(None, [self.sustained])))
        return WARMUP + paced + self.burst + self.backlog


USERS = 200
ZONE = "Europe/Paris"
WARMUP = 20
# 100/s is above what one worker handles on this machine (see the burst): with -c 1 it would only measure
# a longer queue, so -c 1 gets the below-capacity phase and a smaller burst, which keeps the run near 3 min.
# The backlog measures the event path alone (bridge, Celery, handler, PostgreSQL): since the set-based handler
# the burst's offer, not the path, is what bounds its rate.
PLANS = (Plan(2, ((10, 10), (100, 20)), 2_000, 5_000, (1_000, 10)), Plan(1, ((10, 10),), 1_000))
LATENCY_THREADS = 2
BURST_THREADS = 4
SUSTAINED_THREADS = 4  # each waits on PostgreSQL for much of a completion: four overlap those waits
SEED_THREADS = 2
STARTUP_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0
STALL_SECONDS = 20
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)[ /]")


import django  # noqa: E402 - the environment above decides the database, topics and broker

ensure_database(BENCH_DB)
django.setup()

from django.utils import timezone  # noqa: E402

from tasks_app.models import Task, UserProfile  # noqa: E402
from tasks_app.services import task_complete, task_create  # noqa: E402
from todo_project.celery import app as celery_app  # noqa: E402
from workers.kafka.topics import topics_ensure  # noqa: E402
from workers.relay.database import connect  # noqa: E402
from workers.telemetry.tracing import configure_tracing, tracer  # noqa: E402

# With OTEL_TRACES_EXPORTER=zipkin_json (and the other OTEL_* variables) in the environment, the processes
# trace as they would in production, and each completion here is the start of its trace, as the API's
# request is: the figures then include tracing's cost at the sampling ratio given.
configure_tracing("todo-bench")

# One long-lived pool: each thread keeps its Django connection (and so its PostgreSQL backend) for the run.
POOL = ThreadPoolExecutor(max_workers=max(BURST_THREADS, LATENCY_THREADS, SEED_THREADS))


# --- processes --------------------------------------------------------------------------------------------


def manage(name: str, *args: str, **env: str) -> Process:
    return Process(name, [sys.executable, "manage.py", *args], logs=LOGS, **env)


def start_relay() -> Process:
    # "outbox relay is active" is an INFO line (as is the bridge's "assigned"); at INFO neither process logs
    # anything per event, only a line at start and the relay's stats every 10 s.
    relay = manage("relay", "run_outbox_relay", LOG_LEVEL="INFO")
    relay.wait_until(lambda: "relay is active" in relay.log(), "'relay is active'")
    return relay


def start_bridge() -> Process:
    bridge = manage("bridge", "run_bridge", "recurrence", LOG_LEVEL="INFO")
    bridge.wait_until(lambda: "assigned" in bridge.log(), "partition assignment")
    return bridge


def start_worker(concurrency: int) -> Process:
    node = f"bench-rec-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    command = [str(BIN / "celery"), "-A", "todo_project", "worker", "-Q", QUEUE, "-c", str(concurrency)]
    command += ["-n", node, "--without-gossip", "--without-mingle", "-l", "warning"]
    worker = Process(f"worker-c{concurrency}", command, logs=LOGS)

    # At -l warning Celery does not log its (INFO) "ready." line: ask the node itself over the broker.
    def ready() -> bool:
        try:
            return bool(celery_app.control.ping(destination=[node], timeout=0.5))
        except (redis.RedisError, OSError):
            return False  # the broker is restarting: ask again

    worker.wait_until(ready, "reply to a ping")
    return worker


LOAD_GENERATOR = "bench (load generator)"
PRODUCER_BACKENDS = "postgres (the sustained producer's backends)"
PER_OCCURRENCE = (
    "worker (pool)",
    "worker",
    EXITED_BACKENDS,
    "postgres (bench db backends)",
    "relay",
    "bridge",
)


# --- database, broker, topics -----------------------------------------------------------------------------


def scalar(probe: psycopg.Connection[Any], sql: str, params: list[Any] | None = None) -> int:
    row = probe.execute(sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def outbox_pending(probe: psycopg.Connection[Any]) -> int:
    return scalar(
        probe, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL AND failed_at IS NULL"
    )


def wait_for_relay(probe: psycopg.Connection[Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while outbox_pending(probe) and time.monotonic() < deadline:
        time.sleep(0.1)


def max_task_id(probe: psycopg.Connection[Any]) -> int:
    return scalar(probe, "SELECT max(id) FROM tasks")


def count_after(probe: psycopg.Connection[Any], baseline: int) -> int:
    """Tasks created since `baseline` (the largest id before a phase): only next occurrences are."""
    return scalar(probe, "SELECT count(*) FROM tasks WHERE id > %s", [baseline])


def wait_for_occurrences(probe: psycopg.Connection[Any], baseline: int, expected: int) -> float:
    """Poll every 50 ms (an index range count) until `expected` tasks exist; the `time.time()` it did.

    Gives up (and says so) when none has been created for STALL_SECONDS: something upstream broke.
    """
    seen, progress_at = 0, time.monotonic()
    while (count := count_after(probe, baseline)) < expected:
        if count > seen:
            seen, progress_at = count, time.monotonic()
        elif time.monotonic() - progress_at > STALL_SECONDS:
            say(
                f"    gave up waiting: {count:,} of {expected:,} next occurrences, "
                f"none new for {STALL_SECONDS} s"
            )
            break
        time.sleep(0.05)
    return time.time()


def sessions_opened(probe: psycopg.Connection[Any]) -> int:
    """Sessions ever established on the bench database (PostgreSQL 14+)."""
    return scalar(probe, "SELECT sessions FROM pg_stat_database WHERE datname = %s", [BENCH_DB])


def bench_backends(probe: psycopg.Connection[Any]) -> set[int]:
    rows = probe.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]).fetchall()
    return {int(row[0]) for row in rows}


def broker_backlog(broker: redis.Redis) -> tuple[int, int]:
    """(messages waiting in the Celery queue, messages delivered to the worker but not yet acknowledged)."""
    waiting = sum(int(broker.llen(key)) for key in broker.scan_iter(match=f"{QUEUE}*"))
    return waiting, int(broker.hlen("unacked"))


# --- load -------------------------------------------------------------------------------------------------


def seed(count: int) -> list[Task]:
    """`count` DAILY tasks due tomorrow 09:00 Paris time, round-robin over USERS users, via task_create."""
    UserProfile.objects.bulk_create(
        UserProfile(id=f"bench-rec-user-{n}", email=f"user{n}@bench.example", name=f"User {n}", timezone=ZONE)
        for n in range(USERS)
    )
    users = list(UserProfile.objects.order_by("id"))
    tomorrow = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)).date()
    due = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=ZoneInfo(ZONE))

    def create(first: int) -> None:
        for n in range(first, count, SEED_THREADS):
            task_create(
                user=users[n % USERS],
                title=f"Water the plants {n}",
                description="A daily recurring benchmark task.",
                tags=["home", "bench"],
                due_date=due,
                timezone=ZONE,
                recurring_pattern="DAILY",
                at=timezone.now(),
            )

    for future in [POOL.submit(create, first) for first in range(SEED_THREADS)]:
        future.result()
    return list(Task.objects.filter(parent_task__isnull=True).order_by("id"))


@dataclass
class Offer:
    commits: dict[int, float]  # completed task id -> time.time() right after its commit
    started: float  # time.time() when the first completion began
    seconds: float
    worst_lateness: float  # seconds the paced schedule was missed by, at worst

    @property
    def rate(self) -> float:
        return len(self.commits) / self.seconds


Completer = Callable[[int, Task], None]  # completes a task, on behalf of the offer's thread (its number)


def orm_complete(thread: int, task: Task) -> None:
    """A completion as the API commits it: `task_complete()`, through the ORM (each thread has its own
    Django connection)."""
    task_complete(task=task, completed=True, at=timezone.now())


def floor_completer(connections: list[psycopg.Connection[Any]]) -> Completer:
    """The same writes without Django (bench/api_floor.py's `complete`: psycopg, one transaction, the same
    outbox rows), each thread on its own connection: the cheapest producer of the API's writes."""

    def complete(thread: int, task: Task) -> None:
        api_floor.complete(connections[thread], task.user_id, task.pk, completed=True)

    return complete


def producer_connection() -> psycopg.Connection[Any]:
    """A connection for floor_completer, as the floor's: client-side binding (as Django's backend), UTC."""
    conn = connect(autocommit=True, application_name="bench-recurrence-producer")
    conn.cursor_factory = psycopg.ClientCursor
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


def offer(
    tasks: list[Task], *, rate: float | None, threads: int, complete: Completer = orm_complete
) -> Offer:
    """Complete every task with `complete`, one transaction each, from `threads` threads; paced at `rate`/s
    when given."""
    commits: dict[int, float] = {}
    started_wall, started = time.time(), time.perf_counter()

    def complete_share(first: int) -> float:
        worst = 0.0
        for n in range(first, len(tasks), threads):
            if rate is not None:
                wait = started + n / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                else:
                    worst = max(worst, -wait)
            with tracer.start_as_current_span("complete"):
                complete(first, tasks[n])
            commits[tasks[n].pk] = time.time()
        return worst

    worst = max(
        future.result() for future in [POOL.submit(complete_share, first) for first in range(threads)]
    )
    return Offer(commits, started_wall, time.perf_counter() - started, worst)


@dataclass
class Outcome:
    expected: int
    created: int  # completed tasks that have a next occurrence
    duplicates: int  # occurrences beyond one per completed task
    latencies: list[float]  # ms, completion commit -> worker's created_at (lower bound)
    upper: list[float]  # ms, completion commit -> new task's task.created marked published (upper bound)
    relay: list[float]  # ms, completion commit -> its task.completed marked published
    created_at: list[float]  # epoch seconds, sorted


_OUTCOME = """
    SELECT t.parent_task_id, t.created_at, completed.published_at, created.published_at
    FROM tasks t
    LEFT JOIN outbox_events completed
           ON completed.event_type = 'task.completed' AND completed.key = t.user_id
          AND (completed.payload ->> 'task_id')::bigint = t.parent_task_id
    LEFT JOIN outbox_events created
           ON created.event_type = 'task.created' AND created.key = t.user_id
          AND (created.payload ->> 'task_id')::bigint = t.id
    WHERE t.parent_task_id = ANY(%s)
"""


def outcome(probe: psycopg.Connection[Any], done: Offer) -> Outcome:
    wait_for_relay(probe, 30)  # the upper bound needs the new tasks' events published
    rows = probe.execute(_OUTCOME, [list(done.commits)]).fetchall()
    parents = {row[0] for row in rows}
    result = Outcome(len(done.commits), len(parents), len(rows) - len(parents), [], [], [], [])
    for parent, created_at, completed_published, created_published in rows:
        committed = done.commits[parent]
        result.latencies.append((created_at.timestamp() - committed) * 1000)
        if created_published is not None:
            result.upper.append((created_published.timestamp() - committed) * 1000)
        if completed_published is not None:
            result.relay.append((completed_published.timestamp() - committed) * 1000)
        result.created_at.append(created_at.timestamp())
    result.created_at.sort()
    return result


# --- phases -----------------------------------------------------------------------------------------------


@dataclass
class Pipeline:
    probe: psycopg.Connection[Any]
    broker: redis.Redis
    roles: dict[int, str]
    processes: list[Process]

    def cpu(self) -> CpuSnapshot:
        return cpu_snapshot(self.roles, bench_backends(self.probe))

    def sessions(self) -> int:
        return sessions_opened(self.probe)

    def redis_run_id(self) -> str:
        try:
            return str(self.broker.info("server")["run_id"])
        except redis.RedisError as error:
            return f"unreachable ({error})"

    def marks(self) -> tuple[str, dict[str, int]]:
        """What to compare with at the end of a phase: the stack is shared, others may restart it."""
        return self.redis_run_id(), {process.name: len(process.problems()) for process in self.processes}

    def disturbances(self, marks: tuple[str, dict[str, int]]) -> None:
        run_id, counts = marks
        if self.redis_run_id() != run_id:
            say("    !! Redis restarted in this phase (not by this bench): queued Celery messages are lost")
        for process in self.processes:
            new = process.problems()[counts.get(process.name, 0) :]
            if new:
                say(f"    !! {process.name} logged {len(new)} warnings/errors in this phase; first: {new[0]}")


def warm_up(pipeline: Pipeline, tasks: list[Task]) -> None:
    baseline = max_task_id(pipeline.probe)
    offer(tasks, rate=None, threads=1)
    wait_for_occurrences(pipeline.probe, baseline, len(tasks))


def bench_latency(pipeline: Pipeline, tasks: list[Task], rate: int, seconds: int) -> None:
    say(f"  latency at {rate} completions/s for {seconds} s ({LATENCY_THREADS} threads, paced)")
    baseline, sessions, marks = max_task_id(pipeline.probe), pipeline.sessions(), pipeline.marks()
    before = pipeline.cpu()
    done = offer(tasks, rate=rate, threads=LATENCY_THREADS)
    finished = wait_for_occurrences(pipeline.probe, baseline, len(tasks))
    after = pipeline.cpu()
    sessions = pipeline.sessions() - sessions
    say(
        f"    offered {done.rate:.1f} completions/s ({len(tasks):,} in {done.seconds:.1f} s; "
        f"schedule missed by {done.worst_lateness * 1000:.0f} ms at worst); the last next occurrence came "
        f"{finished - (done.started + done.seconds):.1f} s after the last completion"
    )
    result = outcome(pipeline.probe, done)
    say(
        f"    next occurrences: {result.created:,} created of {result.expected:,} expected, "
        f"{result.duplicates} duplicates; {sessions:,} PostgreSQL sessions opened on the bench db"
    )
    say(
        f"    completion commit -> worker's created_at (lower bound):         {spread(result.latencies, P90)}"
    )
    say(f"    completion commit -> new task.created marked published (upper): {spread(result.upper, P90)}")
    say(f"    of which the relay, commit -> task.completed marked published:  {spread(result.relay, P90)}")
    say(f"    {cpu_use(before, after).report()}")
    pipeline.disturbances(marks)


@dataclass
class Flood:
    result: Outcome
    use: CpuUse
    sessions: int  # PostgreSQL sessions opened on the bench db meanwhile
    marks: tuple[str, dict[str, int]]


def flood(
    pipeline: Pipeline, tasks: list[Task], *, rate: float | None, threads: int, complete: Completer
) -> Flood:
    """Offer every completion (paced at `rate`/s when given), say what each stage held when the offer ended,
    and wait for every next occurrence: the rate end to end."""
    baseline, sessions, marks = max_task_id(pipeline.probe), pipeline.sessions(), pipeline.marks()
    before = pipeline.cpu()
    done = offer(tasks, rate=rate, threads=threads, complete=complete)
    so_far, pending = count_after(pipeline.probe, baseline), outbox_pending(pipeline.probe)
    waiting, unacked = broker_backlog(pipeline.broker)
    finished = wait_for_occurrences(pipeline.probe, baseline, len(tasks))
    after = pipeline.cpu()
    sessions = pipeline.sessions() - sessions
    end_to_end = finished - done.started
    missed = f"; schedule missed by {done.worst_lateness * 1000:.0f} ms at worst" if rate else ""
    say(f"    offered {done.rate:,.0f} completions/s ({len(tasks):,} in {done.seconds:.1f} s{missed})")
    say(
        f"    when the offer ended: {so_far:,} next occurrences existed; backlog: {pending:,} outbox rows "
        f"unpublished, {waiting:,} Celery messages queued, {unacked} delivered to the worker unacknowledged"
    )
    behind = f"; the last came {finished - (done.started + done.seconds):.1f} s after the last completion"
    say(
        f"    every next occurrence existed {end_to_end:.1f} s after the first completion: "
        f"{len(tasks) / end_to_end:,.0f} completions/s end to end{behind if rate else ''}"
    )
    return Flood(outcome(pipeline.probe, done), cpu_use(before, after), sessions, marks)


def bench_sustained(pipeline: Pipeline, tasks: list[Task], rate: int, seconds: int) -> None:
    """The whole pipeline (relay, bridge, Celery, worker) under a steady offer it must keep up with; the
    completions come from the floor's SQL, the cheapest producer there is, whose own CPU is counted apart:
    on two cores it, not the pipeline, bounds the rate."""
    say(
        f"  sustained: {rate:,} completions/s for {seconds} s, committed without Django (bench/api_floor.py's"
        f" SQL; {SUSTAINED_THREADS} threads, paced)"
    )
    connections = [producer_connection() for _ in range(SUSTAINED_THREADS)]
    backends = {int(conn.info.backend_pid): PRODUCER_BACKENDS for conn in connections}
    pipeline.roles.update(backends)
    try:
        done = flood(
            pipeline, tasks, rate=rate, threads=SUSTAINED_THREADS, complete=floor_completer(connections)
        )
    finally:
        for conn in connections:
            conn.close()
        for pid in backends:
            del pipeline.roles[pid]
    result = done.result
    say(
        f"    completion commit -> worker's created_at (lower bound):         {spread(result.latencies, P90)}"
    )
    say(f"    of which the relay, commit -> task.completed marked published:  {spread(result.relay, P90)}")
    say_throughput(result, done.sessions, done.use)
    producer = sum(done.use.by_category.get(name, 0.0) for name in (LOAD_GENERATOR, PRODUCER_BACKENDS))
    producer_ms, cores = producer * 1000 / result.expected, os.cpu_count() or 1
    say(
        f"    the producer alone (this process and its PostgreSQL backends): {producer_ms:.2f} ms of CPU per "
        f"completion, so at most {cores * 1000 / producer_ms:,.0f} completions/s on {cores} cores with "
        "nothing else running; the rest of the pipeline shares them"
    )
    pipeline.disturbances(done.marks)


def bench_burst(pipeline: Pipeline, tasks: list[Task]) -> None:
    say(f"  burst: {len(tasks):,} completions as fast as {BURST_THREADS} threads commit them")
    done = flood(pipeline, tasks, rate=None, threads=BURST_THREADS, complete=orm_complete)
    say_throughput(done.result, done.sessions, done.use)
    pipeline.disturbances(done.marks)


def say_throughput(result: Outcome, sessions: int, use: CpuUse) -> None:
    """What a phase made of its completions: the worker's steady rate, the next occurrences, the PostgreSQL
    sessions opened and where the CPU went, in all and per completion."""
    first, last = percentile(result.created_at, 0.1), percentile(result.created_at, 0.9)
    steady = 0.8 * len(result.created_at) / (last - first) if last > first else float("nan")
    say(f"    worker's steady rate (created_at, 10th to 90th percentile): {steady:,.1f} next occurrences/s")
    say(
        f"    next occurrences: {result.created:,} created of {result.expected:,} expected, "
        f"{result.duplicates} duplicates; {sessions:,} PostgreSQL sessions opened on the bench db "
        f"({sessions / result.expected:.2f} per completion)"
    )
    say(f"    {use.report()}")
    per = {name: use.by_category.get(name, 0.0) * 1000 / result.expected for name in PER_OCCURRENCE}
    say("    CPU per completion, in ms: " + ", ".join(f"{name} {ms:.2f}" for name, ms in per.items()))


def bench_backlog(pipeline: Pipeline, tasks: list[Task]) -> None:
    """The event path's own capacity: completions made and published while the bridge is stopped, then the
    bridge started again; the rate is how fast the bridge, Celery and the handler turn that backlog into
    next occurrences (the load generator, which bounds the burst, is out of it)."""
    say(
        f"  backlog: {len(tasks):,} completions committed and published to Kafka while the bridge is "
        "stopped, then the bridge started"
    )
    [bridge] = [process for process in pipeline.processes if process.name == "bridge"]
    bridge.stop()
    pipeline.processes.remove(bridge)
    del pipeline.roles[bridge.pid]
    baseline = max_task_id(pipeline.probe)
    done = offer(tasks, rate=None, threads=BURST_THREADS)
    wait_for_relay(pipeline.probe, 120)
    sessions, marks, before = pipeline.sessions(), pipeline.marks(), pipeline.cpu()
    started = time.time()
    bridge = start_bridge()  # its start (Django, joining the group) is in its CPU below
    pipeline.processes.append(bridge)
    pipeline.roles[bridge.pid] = "bridge"
    finished = wait_for_occurrences(pipeline.probe, baseline, len(tasks))
    after = pipeline.cpu()
    sessions = pipeline.sessions() - sessions
    result = outcome(pipeline.probe, done)
    say(
        f"    every next occurrence existed {finished - started:.1f} s after the bridge was started: "
        f"{len(tasks) / (finished - started):,.0f} completions/s from the backlog (the bridge's start "
        "included)"
    )
    if result.created_at:
        first, last = result.created_at[0], result.created_at[-1]
        drain = f"{(len(result.created_at) - 1) / (last - first):,.0f}/s" if last > first else "at once"
        say(
            f"    of which the bridge's start (Python, Django, joining the consumer group) until the first "
            f"next occurrence: {first - started:.1f} s; the drain, first to last next occurrence: "
            f"{last - first:.1f} s, {drain}"
        )
    say_throughput(result, sessions, cpu_use(before, after))
    pipeline.disturbances(marks)


def cleanup(what: str, step: Callable[[], object]) -> None:
    try:
        step()
    except Exception as error:  # the stack is shared and may be restarting: report, go on cleaning
        say(f"could not clean up {what}: {error!r}")


def main() -> None:
    stop_on_sigterm()
    started = time.monotonic()
    say(
        f"recurrence pipeline benchmark on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at "
        f"start), topics {os.environ['KAFKA_TOPIC_PREFIX']}*, Celery broker {BROKER_URL}"
    )
    say(
        "PostgreSQL, Kafka (1 broker), Redis, the relay, the bridge, the worker and this load generator "
        "share those cores, with whatever else runs on the machine"
    )
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    processes: list[Process] = []
    with connect(autocommit=True, application_name="bench-recurrence-probe") as probe:
        try:
            reset_database(probe)
            topics_ensure()
            relay = start_relay()
            processes.append(relay)
            bridge = start_bridge()
            processes.append(bridge)
            roles = {os.getpid(): LOAD_GENERATOR, relay.pid: "relay", bridge.pid: "bridge"}
            pipeline = Pipeline(probe, broker, roles, processes)

            seed_started = time.perf_counter()
            tasks = seed(sum(plan.tasks for plan in PLANS))
            seeded = time.perf_counter()
            wait_for_relay(probe, 120)
            say(
                f"seed: {USERS} users, {len(tasks):,} DAILY tasks ({ZONE}) through task_create in "
                f"{seeded - seed_started:.1f} s; the relay had published their events "
                f"{time.perf_counter() - seeded:.1f} s later (not measured)"
            )

            for plan in PLANS:
                share, tasks = tasks[: plan.tasks], tasks[plan.tasks :]
                say(f"one Celery worker, prefork -c {plan.concurrency}:")
                worker = start_worker(plan.concurrency)
                processes.append(worker)
                roles[worker.pid] = "worker"
                try:
                    warm_up(pipeline, share[:WARMUP])
                    share = share[WARMUP:]
                    for rate, seconds in plan.rates:
                        bench_latency(pipeline, share[: rate * seconds], rate, seconds)
                        share = share[rate * seconds :]
                    if plan.sustained:
                        rate, seconds = plan.sustained
                        bench_sustained(pipeline, share[: rate * seconds], rate, seconds)
                        share = share[rate * seconds :]
                    bench_burst(pipeline, share[: plan.burst])
                    if plan.backlog:
                        bench_backlog(pipeline, share[plan.burst :])
                finally:
                    worker.stop()
                    del roles[worker.pid]
                worker.say_problems("  worker")

            series = scalar(
                probe,
                "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE parent_task_id IS NOT NULL "
                "GROUP BY parent_task_id HAVING count(*) > 1) AS d",
            )
            dead = scalar(probe, "SELECT count(*) FROM dead_letters")
            say(f"whole run: {series} series with more than one next occurrence, {dead} dead letters")
            for process in processes:
                if process.name in ("relay", "bridge"):
                    process.say_problems()
        finally:
            for process in reversed(processes):
                process.stop()
            POOL.shutdown()
            cleanup("Kafka topics and consumer group", drop_kafka_state)
            cleanup(f"Celery broker {BROKER_URL}", broker.flushdb)
    say(
        f"bound: the {os.cpu_count()} cores, shared by PostgreSQL, Kafka, Redis, relay, bridge, worker and "
        f"load generator (see the CPU lines); run took {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
