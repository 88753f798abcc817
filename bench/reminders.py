"""Benchmark of reminder emails end to end, through the real processes of the local stack.

Run from the repository root: `.venv/bin/python bench/reminders.py [--concurrency N]` (about 5 to 6
minutes). It prints figures and asserts nothing.

The pipeline: `task_create(..., reminders=[ReminderSpec(at=...)])` commits a task and its
`reminder.scheduled` event (outbox) -> the relay (`manage.py run_outbox_relay`) publishes it to Kafka -> the
bridge (`manage.py run_bridge reminders`) hands it to Celery (Redis) -> a Celery worker (`-Q reminders -c
2`, as the Procfile's `worker-reminders`) records the reminder and, the instant being inside the 300 s
horizon, renders its email and schedules an ETA delivery task for the instant, unless a task of the same
process already covers that second -> at the instant a worker (`-Q reminder-deliveries`, prefork, `-c N`)
claims the due rows in batches of 50 (a full batch calls in another process) and sends them over the SMTP
connection its process keeps open. Celery beat (PersistentScheduler, `REMINDER_SCAN_SECONDS=1`) runs the
horizon scan every second, as in production. Every process is a subprocess started here and always stopped
here (SIGTERM to its process group, SIGKILL after a grace period). Each reminder's Message-ID is
deterministic per (task, instant).

The SMTP server is an aiosmtpd sink in this process, on a free 127.0.0.1 port: it records `time.time()`
when it accepts a message (end of DATA, before its `250`) and the message's Message-ID, nothing else.

Delivery concurrency: `-c 4` by default, the Procfile's `worker-deliveries`; `--concurrency` changes it.

Loads, each started once the previous one is fully delivered (or its deadline passed); tasks belong to
1,000 users with an email, round robin; every `task_create` is the real one, so are its outbox events:
1. 100 reminders due in the same second (a whole second ~10 s ahead);
2. 1,000 due in the same second (~18 s ahead);
3. 10,000 spread evenly over one minute (6 ms apart), created by four threads in transactions of 100
   `task_create` calls. The first instant is ~20 s ahead, or further when the previous load's creation
   rate says creation would not end well before it (1.3 x the expected creation time + 5 s); how long
   creation took and how far away the first instant still was are printed.
4. 10,000 created over one minute at an even pace (four threads, one transaction each, as the API's creates
   are), each with its reminder 20 s after its own creation: creation, scheduling and delivery overlap.
A load waits until every email arrived and every row is `sent`, or until its deadline (a grace period after
the last instant, shortened so that the run stays within ~4 minutes); what is missing then is reported.
Per load: lateness = the sink's receipt time - reminder_at (p50, p99 by nearest rank, max), early sends
(receipts before reminder_at), duplicates (receipts of a Message-ID beyond its first), missing (not received
by the deadline); the `lateness_ms` the worker recorded in the `reminders` table (its clock after the SMTP
`250`); the delivery rate (10th to 90th percentile of receipts) and how busy the machine was meanwhile; how
long the event took to become an ETA task (commit of the task -> `reminders.enqueued_at`); how many messages
waited in the `reminder-deliveries` Celery queue in Redis at the first instant and at most (ETA tasks a
worker has not taken yet, and the calls for help of full batches); the CPU of each process over the load's
window (from /proc: PostgreSQL backends of this database apart from the others) and the workers' CPU per
reminder. The run ends with a check that Redis and
Kafka stayed up (a test suite run on the same machine stops them on purpose): if not, it says that the
figures are suspect.

The sink's own speed is measured in the same run, with the pipeline idle: one smtplib client on one
connection sends 1,000 small messages. It gives the bound of the goal for 1,000 reminders in one second.

Isolation: its own database `todo_reminders_bench` (created when missing, migrated with `manage.py migrate`,
emptied at the start of each run), its own topic prefix `bench-rem-<random>.` (topics created with
`topics_ensure()`, deleted with the bridge's consumer group at the end) and its own Celery broker database
`redis://127.0.0.1:6379/13` (flushed at start and end). DEBUG is off (with throw-away secrets), as in
production. Logs: .cache/logs/bench-reminders/.
"""

import argparse
import math
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import psycopg.sql
import redis
from aiosmtpd.controller import Controller

# bench/ is on the path of a script run from it
from harness import (
    Process,
    cpu_snapshot,
    cpu_use,
    drop_kafka_state,
    ensure_database,
    free_port,
    machine_busy_seconds,
    percentile,
    reset_database,
    say,
    spread,
    stop_on_sigterm,
    use_environment,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOGS = ROOT / ".cache" / "logs" / "bench-reminders"

ADMIN_DSN = "postgresql://todo:todo@127.0.0.1:5432/todo"
BENCH_DB = "todo_reminders_bench"
BROKER_URL = "redis://127.0.0.1:6379/13"
QUEUE = "reminder-deliveries"  # the ETA deliveries; schedule events have the "reminders" queue
EVENTS_QUEUE = "reminders,sweeps"  # as the Procfile's worker-reminders: schedule events and the scan

use_environment(BENCH_DB, topic_prefix="bench-rem-", broker=BROKER_URL, REMINDER_SCAN_SECONDS="1")

DEFAULT_CONCURRENCY = 4  # the Procfile's worker-deliveries; see the module docstring
EVENTS_CONCURRENCY = 2  # the Procfile's worker-reminders
USERS = 1_000
CREATE_THREADS = 4
CREATE_BATCH = 100  # task_create calls per transaction
SINK_SPEED_MESSAGES = 1_000
STARTUP_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0
RUN_BUDGET_SECONDS = 330.0  # no load waits past this point of the run (about 5.5 minutes in all)
MIN_GRACE_SECONDS = 15.0
CREATION_SLACK = 1.3  # the first instant is at least this x the expected creation time (+ 5 s) away


@dataclass(frozen=True)
class Load:
    name: str
    count: int
    lead: float  # seconds from the start of creation to the first instant (at least; a whole second)
    spread: float  # seconds over which the instants are spread evenly; 0: all in the same second
    # Seconds after the last instant before a reminder not received counts as missing; the run's budget may
    # cut it down to MIN_GRACE_SECONDS.
    grace: float
    # When > 0: the tasks are created at an even pace over this many seconds, one transaction each (as the
    # API's creates are), each with its reminder `lead` seconds after its own creation; `spread` is unused.
    created_over: float = 0.0


LOADS = (
    Load("100 reminders due in the same second", 100, 10, 0, 20),
    Load("1,000 reminders due in the same second", 1_000, 18, 0, 30),
    Load("10,000 reminders spread evenly over one minute", 10_000, 20, 60, 120),
    Load("10,000 reminders created over one minute, each due 20 s after its creation", 10_000, 20, 0, 60, 60),
)


import django  # noqa: E402 - the environment above decides the database, topics and broker

ensure_database(BENCH_DB)
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications_app.email import message_id  # noqa: E402
from notifications_app.models import Reminder  # noqa: E402
from tasks_app.models import UserProfile  # noqa: E402
from tasks_app.reminders import ReminderSpec  # noqa: E402
from tasks_app.services import task_create  # noqa: E402
from todo_project.celery import app as celery_app  # noqa: E402
from workers.kafka.topics import topics_ensure  # noqa: E402
from workers.relay.database import connect  # noqa: E402

# --- the SMTP sink --------------------------------------------------------------------------------------

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class Sink:
    """Accepts every message; records (time.time() at acceptance, Message-ID). Appends are atomic."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[float, str]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        at = time.time()
        found = MESSAGE_ID.search(envelope.content)
        self.received.append((at, found.group(1).decode() if found else ""))
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def sink_speed(sink: Sink) -> float:
    """Seconds one smtplib client on one connection takes to send SINK_SPEED_MESSAGES small messages."""
    import smtplib

    body = "Subject: sink speed\r\nFrom: bench@localhost\r\nTo: user@bench.example\r\n"
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as client:
        started = time.perf_counter()
        for n in range(SINK_SPEED_MESSAGES):
            message = f"Message-ID: <sink-speed-{n}@bench>\r\n{body}\r\nA small message number {n}.\r\n"
            client.sendmail("bench@localhost", ["user@bench.example"], message)
        return time.perf_counter() - started


# --- processes ------------------------------------------------------------------------------------------


def start_relay(env: dict[str, str]) -> Process:
    # At INFO the relay logs its start and a stats line every 10 s, nothing per event.
    relay = Process(
        "relay", [sys.executable, "manage.py", "run_outbox_relay"], logs=LOGS, **{**env, "LOG_LEVEL": "INFO"}
    )
    relay.wait_until(lambda: "relay is active" in relay.log(), "'relay is active'")
    return relay


def start_bridge(env: dict[str, str]) -> Process:
    # At INFO the bridge logs its start and its partition assignment, nothing per event.
    command = [sys.executable, "manage.py", "run_bridge", "reminders"]
    bridge = Process("bridge", command, logs=LOGS, **{**env, "LOG_LEVEL": "INFO"})
    bridge.wait_until(lambda: "assigned" in bridge.log(), "partition assignment")
    return bridge


def start_worker(env: dict[str, str], concurrency: int, *, queue: str, name: str) -> Process:
    node = f"bench-rem-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    command = [str(BIN / "celery"), "-A", "todo_project", "worker", "-Q", queue, "-c", str(concurrency)]
    command += ["-n", node, "--without-gossip", "--without-mingle", "-l", "warning"]
    worker = Process(name, command, logs=LOGS, **env)

    # At -l warning Celery does not log its (INFO) "ready." line: ask the node itself over the broker.
    def ready() -> bool:
        return bool(celery_app.control.ping(destination=[node], timeout=0.5))

    worker.wait_until(ready, "reply to a ping")
    return worker


def start_beat(env: dict[str, str], schedule: Path) -> Process:
    command = [str(BIN / "celery"), "-A", "todo_project", "beat", "-S", "celery.beat:PersistentScheduler"]
    command += ["-s", str(schedule), "-l", "info"]  # "beat: Starting..." is an INFO line
    beat = Process("beat", command, logs=LOGS, **env)
    beat.wait_until(lambda: "beat: Starting" in beat.log(), "'beat: Starting'")
    return beat


# --- CPU accounting from /proc --------------------------------------------------------------------------


class Sampler:
    """Every 100 ms, in a daemon thread: the machine's busy CPU seconds so far (all cores, /proc/stat) and
    the length of the Celery queue in Redis (messages no worker has taken yet)."""

    def __init__(self, broker: redis.Redis) -> None:
        self.samples: list[tuple[float, float]] = []  # (time.time(), busy CPU seconds so far)
        self.queue: list[tuple[float, int]] = []  # (time.time(), messages waiting in the Redis list)
        self._broker = broker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = time.time()
        self.samples.append((now, machine_busy_seconds()))
        self.queue.append((now, int(self._broker.llen(QUEUE))))

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def queued(self, start: float, end: float) -> tuple[int, int]:
        """(messages waiting at `start`, the most waiting at any time from `start` to `end`)."""
        window = [length for at, length in list(self.queue) if start <= at <= end] or [0]
        return window[0], max(window)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def cores(self, start: float, end: float) -> float:
        """Busy cores on average between the samples around `start` and `end` (at least 100 ms apart)."""
        samples = list(self.samples)
        before = max((sample for sample in samples if sample[0] <= start), default=samples[0])
        after = min((sample for sample in samples if sample[0] >= end), default=samples[-1])
        return (after[1] - before[1]) / max(after[0] - before[0], 0.1)


WORKER_ROLES = ("worker", "worker (pool)", "deliveries", "deliveries (pool)")


def bench_backends() -> set[int]:
    with psycopg.connect(ADMIN_DSN, autocommit=True, application_name="bench-reminders-cpu") as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]).fetchall()
    return {int(row[0]) for row in rows}


# --- database, broker, topics ---------------------------------------------------------------------------


# --- loads ----------------------------------------------------------------------------------------------


def make_users() -> list[UserProfile]:
    UserProfile.objects.bulk_create(
        UserProfile(id=f"bench-rem-user-{n}", email=f"user{n}@bench.example", name=f"User {n}")
        for n in range(USERS)
    )
    return list(UserProfile.objects.order_by("id"))


@dataclass
class Created:
    instants: dict[int, datetime] = field(default_factory=dict)  # task id -> reminder_at
    committed: dict[int, float] = field(default_factory=dict)  # task id -> time.time() after its commit
    seconds: float = 0.0
    behind: float = 0.0  # paced creation: the most a transaction started after its time

    def expected(self) -> dict[str, float]:
        """Message-ID -> reminder_at (epoch seconds)."""
        return {
            message_id(task_id=task_id, remind_at=at): at.timestamp() for task_id, at in self.instants.items()
        }


def create(
    users: list[UserProfile], count: int, instant: Callable[[int], datetime], *, over: float = 0.0
) -> Created:
    """`count` tasks, task n with a reminder at `instant(n)` (asked as it is made), by CREATE_THREADS threads:
    as fast as they go, in transactions of CREATE_BATCH; or, when `over` > 0, one transaction each, task n
    started `n * over / count` seconds after the first (`Created.behind`: how late that pace was kept)."""
    created = Created()
    lock = threading.Lock()
    per_transaction = 1 if over else CREATE_BATCH

    def work(first: int) -> None:
        mine = list(range(first, count, CREATE_THREADS))  # interleaved: created roughly in due order
        try:
            for start in range(0, len(mine), per_transaction):
                if over:
                    late = time.perf_counter() - (started + mine[start] * over / count)
                    if late < 0:
                        time.sleep(-late)
                    with lock:
                        created.behind = max(created.behind, late)
                batch: dict[int, datetime] = {}
                with transaction.atomic():
                    for n in mine[start : start + per_transaction]:
                        at = instant(n)
                        task = task_create(
                            user=users[n % len(users)],
                            title=f"Benchmark reminder {n}",
                            description="A reminder of the benchmark.",
                            due_date=at + timedelta(hours=1),
                            reminders=[ReminderSpec(at=at)],
                            at=timezone.now(),
                        )
                        batch[task.pk] = at
                committed = time.time()
                with lock:
                    created.instants.update(batch)
                    created.committed.update(dict.fromkeys(batch, committed))
        finally:
            connection.close()  # this thread's own database connection

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(first,)) for first in range(CREATE_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created.seconds = time.perf_counter() - started
    if len(created.instants) != count:
        raise RuntimeError(f"only {len(created.instants)} of {count} tasks were created")
    return created


def instants_of(load: Load, lead: float) -> list[datetime]:
    first = timezone.now().replace(microsecond=0) + timedelta(seconds=math.ceil(lead))
    if load.spread == 0:
        return [first] * load.count
    step_ms = load.spread * 1000 / load.count
    return [first + timedelta(milliseconds=round(n * step_ms)) for n in range(load.count)]


def after_creation(lead: float, _: int) -> datetime:
    """`lead` seconds from now, to the millisecond: the reminder of a task being created."""
    at = timezone.now() + timedelta(seconds=lead)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@dataclass
class Result:
    expected: int
    lateness: list[float]  # ms, first receipt of each Message-ID - reminder_at
    receipts: list[float]  # time.time() of each first receipt
    early: int
    duplicates: int
    missing: int
    recorded: list[float]  # ms, reminders.lateness_ms
    statuses: Counter[str]
    scheduling: list[float]  # ms, commit of the task -> reminders.enqueued_at
    enqueued_late: int  # ETA tasks created after their instant


def wait_delivered(
    sink: Sink, since: int, expected: dict[str, float], ids: tuple[int, int], deadline: float
) -> None:
    """Until every expected Message-ID was received and every row is `sent`, or the deadline passes."""
    while time.time() < deadline:
        if len(sink.received) - since >= len(expected):
            ids_seen = {mid for _, mid in sink.received[since:]}
            if len(ids_seen & expected.keys()) == len(expected):
                rows = Reminder.objects.filter(task_id__range=ids, status=Reminder.Status.SENT).count()
                if rows >= len(expected):
                    return
        time.sleep(0.1)


def measure(sink: Sink, since: int, created: Created) -> Result:
    expected = created.expected()
    first: dict[str, float] = {}
    times = Counter[str]()
    early = 0
    for at, mid in sink.received[since:]:
        if mid not in expected:
            continue
        times[mid] += 1
        first.setdefault(mid, at)
        early += at < expected[mid]
    rows = list(
        Reminder.objects.filter(task_id__range=(min(created.instants), max(created.instants))).values_list(
            "task_id", "status", "lateness_ms", "enqueued_at", "remind_at"
        )
    )
    return Result(
        expected=len(expected),
        lateness=[(at - expected[mid]) * 1000 for mid, at in first.items()],
        receipts=list(first.values()),
        early=early,
        duplicates=sum(count - 1 for count in times.values()),
        missing=len(expected) - len(first),
        recorded=[lateness for _, _, lateness, _, _ in rows if lateness is not None],
        statuses=Counter(status for _, status, _, _, _ in rows),
        scheduling=[
            (enqueued.timestamp() - created.committed[task_id]) * 1000
            for task_id, _, _, enqueued, _ in rows
            if enqueued is not None
        ],
        enqueued_late=sum(1 for _, _, _, enqueued, at in rows if enqueued is not None and enqueued > at),
    )


def delivery_rate(receipts: list[float]) -> str:
    """Receipts per second between the 10th and the 90th percentile of the receipt times."""
    if len(receipts) < 10:
        return "too few receipts for a rate"
    low, high = percentile(receipts, 0.1), percentile(receipts, 0.9)
    rate = f"{0.8 * len(receipts) / (high - low):,.0f} emails/s" if high > low else "all in the same instant"
    first_to_last = max(receipts) - min(receipts)
    return f"{rate} (10th to 90th percentile of receipts); first to last receipt {first_to_last:.1f} s"


@dataclass
class Context:
    users: list[UserProfile]
    sink: Sink
    roles: dict[int, str]
    sampler: Sampler
    run_started: float  # time.monotonic()
    creation_rate: float | None = None  # tasks/s of the previous load's creation


def run_load(load: Load, context: Context) -> Result:
    say(f"{load.name}:")
    sink = context.sink
    # A machine shared with other work creates slower: leave room for creation to end before the first
    # instant (and a little more for the first events), judging by the previous load's creation rate.
    lead = load.lead
    if context.creation_rate and not load.created_over:
        lead = max(lead, CREATION_SLACK * load.count / context.creation_rate + 5)
    since = len(sink.received)
    load_started = time.time()
    before = cpu_snapshot(context.roles, bench_backends())
    if load.created_over:
        created = create(context.users, load.count, partial(after_creation, lead), over=load.created_over)
        instants = sorted(created.instants.values())
        say(
            f"  created {load.count:,} tasks with reminders over {created.seconds:.1f} s ({CREATE_THREADS} "
            "threads at an even pace, one transaction each; a transaction started "
            f"{created.behind * 1000:,.0f} ms after its time at worst), each reminder {lead:g} s after its "
            "task's creation"
        )
    else:
        instants = instants_of(load, lead)
        created = create(context.users, load.count, instants.__getitem__)
        context.creation_rate = load.count / created.seconds
        margin = instants[0].timestamp() - time.time()
        say(
            f"  created {load.count:,} tasks with reminders in {created.seconds:.1f} s "
            f"({CREATE_THREADS} threads, {CREATE_BATCH} per transaction), the first instant "
            f"{math.ceil(lead)} s after creation began; it was {margin:.1f} s away when creation ended"
            + ("" if margin > 0 else " - CREATION OVERRAN THE FIRST INSTANT")
        )
    ids = (min(created.instants), max(created.instants))
    budget_end = time.time() + RUN_BUDGET_SECONDS - (time.monotonic() - context.run_started)
    grace = max(MIN_GRACE_SECONDS, min(load.grace, budget_end - instants[-1].timestamp()))
    deadline = instants[-1].timestamp() + grace
    wait_delivered(sink, since, created.expected(), ids, deadline)
    after = cpu_snapshot(context.roles, bench_backends())
    time.sleep(1.0)  # a late duplicate would show up here
    result = measure(sink, since, created)
    say(
        f"  received {result.expected - result.missing:,} of {result.expected:,}: missing {result.missing} "
        f"(deadline {grace:.0f} s after the last instant), early {result.early}, "
        f"duplicates {result.duplicates}"
    )
    say(f"  lateness, SMTP receipt - reminder_at:   {spread(result.lateness)}")
    say(f"  lateness_ms in the reminders table:     {spread(result.recorded)}")
    say(f"  delivery rate: {delivery_rate(result.receipts)}")
    if len(result.receipts) > 1:
        busy = context.sampler.cores(min(result.receipts), max(result.receipts))
        say(
            f"  between the first and the last receipt the machine was busy {busy:.2f} of "
            f"{os.cpu_count()} cores"
        )
    say(f"  task commit -> ETA task scheduled:      {spread(result.scheduling)}")
    if result.enqueued_late:
        say(f"  {result.enqueued_late:,} reminders were scheduled only after their instant had passed")
    load_ended = time.time()
    at_first, _ = context.sampler.queued(instants[0].timestamp(), load_ended)
    _, most = context.sampler.queued(load_started, load_ended)
    say(
        f"  Celery queue '{QUEUE}' in Redis (delivery tasks not taken by a worker yet): {at_first:,} "
        f"messages waiting at the first instant, at most {most:,} during the load"
    )
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(result.statuses.items()))
    say(f"  reminders rows: {statuses}")
    use = cpu_use(before, after)
    say(f"  {use.report()}")
    worker = sum(use.by_category.get(role, 0.0) for role in WORKER_ROLES)
    delivered = result.expected - result.missing
    say(
        f"  CPU of both workers (main + pool) per reminder, its event and its delivery together: "
        f"{worker * 1000 / load.count:.1f} ms"
        + ("" if delivered == load.count else f" (but only {delivered:,} of {load.count:,} were delivered)")
    )
    return result


# --- main -----------------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="worker processes")
    concurrency: int = parser.parse_args().concurrency

    stop_on_sigterm()
    started = time.monotonic()
    say(
        f"reminders benchmark on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at start); "
        f"Celery workers -Q {EVENTS_QUEUE} -c {EVENTS_CONCURRENCY} and -Q {QUEUE} -c {concurrency} "
        "(prefork), one SMTP connection kept per delivery process; "
        f"topics {os.environ['KAFKA_TOPIC_PREFIX']}*, broker {BROKER_URL}"
    )
    say(
        "bound: the cores are shared by PostgreSQL, Kafka, Redis, the relay, the bridge, the worker "
        "processes, beat, the SMTP sink and the load generator (this process), and whatever else runs on "
        "the machine"
    )
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    redis_run_id = str(broker.info("server")["run_id"])
    sink = Sink()
    sink.start()
    sampler = Sampler(broker)
    schedule_dir = Path(tempfile.mkdtemp(prefix="bench-reminders-beat-"))
    processes: list[Process] = []
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}
    try:
        with connect(autocommit=True, application_name="bench-reminders-probe") as probe:
            reset_database(probe)
        topics_ensure()
        processes.append(start_relay(env))
        processes.append(start_bridge(env))
        processes.append(start_worker(env, EVENTS_CONCURRENCY, queue=EVENTS_QUEUE, name="worker"))
        processes.append(start_worker(env, concurrency, queue=QUEUE, name="deliveries"))
        processes.append(start_beat(env, schedule_dir / "schedule"))
        roles = {os.getpid(): "bench (load + sink)"} | {process.pid: process.name for process in processes}
        users = make_users()
        say(f"pipeline ready after {time.monotonic() - started:.1f} s; {USERS:,} users with an email")

        sink_seconds = sink_speed(sink)
        say(
            f"SMTP sink alone: one smtplib client, one connection, {SINK_SPEED_MESSAGES:,} small messages in "
            f"{sink_seconds * 1000:,.0f} ms ({SINK_SPEED_MESSAGES / sink_seconds:,.0f} messages/s)"
        )

        sampler.start()
        context = Context(users, sink, roles, sampler, started)
        results = [run_load(load, context) for load in LOADS]

        say("goals:")
        p99 = percentile(results[0].lateness, 0.99)
        complete = results[0].missing == 0
        say(
            f"  100 in one second: p99 lateness {p99:,.0f} ms < 250 ms: "
            f"{verdict(complete and p99 < 250)}" + ("" if complete else f" ({results[0].missing} missing)")
        )
        bound = 1.5 * sink_seconds * 1000 + 100
        p99 = percentile(results[1].lateness, 0.99)
        complete = results[1].missing == 0
        say(
            f"  1,000 in one second: p99 lateness {p99:,.0f} ms <= 1.5 x sink time for 1,000 "
            f"({sink_seconds * 1000:,.0f} ms) + 100 ms = {bound:,.0f} ms: "
            f"{verdict(complete and p99 <= bound)}" + ("" if complete else f" ({results[1].missing} missing)")
        )

        result = results[3]
        p99 = percentile(result.lateness, 0.99)
        complete = result.missing == 0 and result.early == 0 and result.duplicates == 0
        say(
            f"  10,000 created over a minute, each due 20 s after its creation: p99 lateness {p99:,.0f} ms "
            f"< 1,000 ms with none early, duplicated or missing: {verdict(complete and p99 < 1000)}"
        )

        reminders_ids = Counter(mid for _, mid in sink.received if mid.startswith("<reminder-"))
        duplicates = sum(count - 1 for count in reminders_ids.values())
        with connect(autocommit=True, application_name="bench-reminders-probe") as probe:
            row = probe.execute("SELECT count(*) FROM dead_letters").fetchone()
            dead = int(row[0]) if row else 0
        say(
            f"whole run: {len(reminders_ids):,} reminder emails, {duplicates} duplicate Message-IDs, "
            f"{dead} dead letters"
        )
        restarted = str(broker.info("server")["run_id"]) != redis_run_id
        kafka_refused = sum(
            "9092" in line and "Connection refused" in line
            for process in processes
            for line in process.problems()
        )
        if restarted or kafka_refused:
            say(
                f"STACK OUTAGE during the run (not the pipeline's doing): Redis restarted {restarted}, "
                f"{kafka_refused} 'Connection refused' lines from Kafka clients: the figures above are "
                "suspect"
            )
        say(f"load average at the end {os.getloadavg()[0]:.1f}")
        for process in processes:
            process.say_problems()
    finally:
        for process in reversed(processes):
            process.stop()
        sampler.stop()
        sink.stop()
        try:
            drop_kafka_state(consumer_group="reminders")
        finally:
            broker.flushdb()
            shutil.rmtree(schedule_dir, ignore_errors=True)
        say(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
