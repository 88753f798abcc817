"""What the benchmarks share: their own database, subprocesses they always stop (the test suite's own
`ManagedProcess`), CPU accounting from /proc, and percentiles.

Imported by the scripts in bench/ (run as `.venv/bin/python bench/<name>.py`, so this folder is on the path).
Nothing here imports Django at module level: each benchmark sets its environment first.
"""

import math
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
import psycopg.sql

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the repository's packages, the tests' helpers among them

from tests.support.ports import free_port as free_port  # noqa: E402 - needs the repository on the path; re-exported
from tests.support.processes import ManagedProcess  # noqa: E402
from tests.support.procfile import procfile_command  # noqa: E402

ADMIN_DSN = "postgresql://todo:todo@127.0.0.1:5432/todo"
STARTUP_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)[ /]")  # Django's log format and Celery's


def say(text: str) -> None:
    print(text, flush=True)


GUNICORN_WORKER_FLAGS = ("--worker-class", "--workers", "--threads")


def procfile_gunicorn_workers() -> tuple[str, ...]:
    """The worker set-up of the Procfile's `web` (gunicorn's --worker-class, --workers and --threads, as
    given there): the benchmarks serve the API as `make run` does unless told otherwise."""
    args = procfile_command("web")
    return tuple(
        part for flag in GUNICORN_WORKER_FLAGS if flag in args for part in (flag, args[args.index(flag) + 1])
    )


def use_environment(database: str, *, topic_prefix: str, broker: str, **extra: str) -> None:
    """The environment of this run and of the processes it starts: its own database, Kafka topics
    (`<topic_prefix><random>.`) and Redis database, `make run`'s production mode (DEBUG off) with throw-away
    secrets, then `extra`. Call it before Django is imported: it decides the database, topics and broker."""
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://todo:todo@127.0.0.1:5432/{database}",
            "KAFKA_TOPIC_PREFIX": f"{topic_prefix}{uuid.uuid4().hex[:8]}.",
            "CELERY_BROKER_URL": broker,
            "DJANGO_SETTINGS_MODULE": "todo_project.settings",
            "LOG_LEVEL": "WARNING",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "BETTER_AUTH_SECRET": secrets.token_urlsafe(48),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )


def stop_on_sigterm() -> None:
    """SIGTERM ends the run through its `finally` blocks, so that every process it started is stopped."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_sigterm)


def ensure_database(name: str) -> None:
    """Create the benchmark's database when missing and migrate it (DATABASE_URL must point at it)."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True, env=os.environ
    )


class Process(ManagedProcess):
    """The test suite's `ManagedProcess` (tests/support/processes.py), started at once with this process's
    environment plus `env`, logging to `<logs>/<name>.log`; `stop()` is SIGTERM, then SIGKILL after
    STOP_GRACE_SECONDS."""

    def __init__(self, name: str, command: list[str], *, logs: Path, **env: str) -> None:
        super().__init__(name, command=command, env={**os.environ, **env}, logs=logs)
        self.start()

    def wait_until(self, ready: Callable[[], bool], what: str, *, timeout: float = STARTUP_SECONDS) -> None:
        """Return once `ready()`; otherwise stop the process (nobody else will) and raise."""
        try:
            super().wait_until(ready, what, timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = STOP_GRACE_SECONDS) -> int | None:
        return super().stop(timeout)

    def problems(self) -> list[str]:
        """Warning, error and critical lines of its log."""
        return [line for line in self.log().splitlines() if PROBLEM.search(line)]

    def say_problems(self, label: str | None = None) -> None:
        """`<name> log: N warnings/errors; first: ...`"""
        problems = self.problems()
        say(
            f"{label or self.name} log: {len(problems)} warnings/errors"
            + (f"; first: {problems[0]}" if problems else "")
        )


RESET_TABLES = ("tasks", "users", "outbox_events", "processed_events", "dead_letters", "reminders")


def reset_database(probe: "psycopg.Connection[Any]") -> None:
    """Empty what earlier runs left (CASCADE reaches the tables that refer to these), then re-analyze."""
    rows = probe.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
        [list(RESET_TABLES)],
    ).fetchall()
    tables = psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(row[0]) for row in rows)
    probe.execute(psycopg.sql.SQL("TRUNCATE {} CASCADE").format(tables))
    probe.execute("VACUUM ANALYZE")


def drop_kafka_state(*, consumer_group: str | None = None) -> None:
    """Delete the run's topics (and its bridge's consumer group): everything under KAFKA_TOPIC_PREFIX."""
    from confluent_kafka import KafkaException

    from workers.kafka.clients import make_admin

    admin = make_admin()
    prefix = os.environ["KAFKA_TOPIC_PREFIX"]
    if consumer_group:
        try:
            for future in admin.delete_consumer_groups(
                [f"{prefix}{consumer_group}"], request_timeout=10
            ).values():
                future.result()
        except KafkaException as error:
            say(f"  (consumer group not deleted: {error})")
    topics = [name for name in admin.list_topics(timeout=10).topics if name.startswith(prefix)]
    for future in admin.delete_topics(topics).values() if topics else []:
        future.result()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


def spread(values: list[float], fractions: tuple[float, ...] = (0.5, 0.99)) -> str:
    """`p50 .., p99 .., max .. ms` (integers)."""
    parts = [f"p{round(fraction * 100)} {percentile(values, fraction):,.0f}" for fraction in fractions]
    return ", ".join([*parts, f"max {max(values, default=float('nan')):,.0f} ms"])


# --- CPU accounting from /proc --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcStat:
    comm: str
    ppid: int
    seconds: float  # its own CPU (user + system)
    reaped: float  # CPU of its children that exited and were waited for


def proc_stat(pid: str) -> ProcStat | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return ProcStat(
        comm=raw[raw.index("(") + 1 : raw.rindex(")")],
        ppid=int(fields[1]),
        seconds=(int(fields[11]) + int(fields[12])) / CLOCK_TICKS,
        reaped=(int(fields[13]) + int(fields[14])) / CLOCK_TICKS,
    )


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all cores), from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


EXITED_BACKENDS = "postgres backends that exited (any db)"


@dataclass
class CpuSnapshot:
    at: float
    machine: float
    per_pid: dict[int, tuple[str, float]]  # pid -> (category, CPU seconds so far)


def cpu_snapshot(roles: dict[int, str], bench_backends: set[int]) -> CpuSnapshot:
    """Every process's CPU so far, by category: the pipeline's own processes (`roles`, pid -> name) and
    their children, the PostgreSQL backends of the bench's database (`bench_backends`), the rest."""
    stats = {
        int(entry): stat for entry in os.listdir("/proc") if entry.isdigit() and (stat := proc_stat(entry))
    }
    per_pid: dict[int, tuple[str, float]] = {}
    for pid, stat in stats.items():
        parent = stats.get(stat.ppid)
        if pid in roles:
            category = roles[pid]
        elif stat.ppid in roles:
            category = f"{roles[stat.ppid]} (pool)"  # a prefork worker's pool processes
        elif pid in bench_backends:
            category = "postgres (bench db backends)"
        elif stat.comm.startswith("postgres"):
            category = "postgres (other)"
            if parent is None or not parent.comm.startswith("postgres"):  # the postmaster reaps backends
                per_pid[-pid] = (EXITED_BACKENDS, stat.reaped)
        elif stat.comm == "java" and "kafka.Kafka" in cmdline(pid):
            category = "kafka broker"
        elif stat.comm.startswith("redis-server"):
            category = "redis"
        else:
            category = "other processes"
        per_pid[pid] = (category, stat.seconds)
    return CpuSnapshot(time.monotonic(), machine_busy_seconds(), per_pid)


@dataclass
class CpuUse:
    seconds: float  # wall-clock length of the interval
    machine: float  # CPU seconds the machine was busy
    by_category: dict[str, float]  # CPU seconds

    def report(self) -> str:
        parts = sorted(self.by_category.items(), key=lambda kv: -kv[1])
        return (
            f"CPU over {self.seconds:.1f} s, in cores (machine busy {self.machine / self.seconds:.2f} of "
            f"{os.cpu_count()}): "
            + ", ".join(
                f"{name} {used / self.seconds:.2f}"
                for name, used in parts
                if abs(used) >= 0.005 * self.seconds
            )
        )


def cpu_use(start: CpuSnapshot, end: CpuSnapshot) -> CpuUse:
    used: dict[str, float] = defaultdict(float)
    for pid, (category, seconds) in end.per_pid.items():
        used[category] += seconds - (start.per_pid[pid][1] if pid in start.per_pid else 0.0)
    for pid, (category, seconds) in start.per_pid.items():
        if pid > 0 and pid not in end.per_pid and category.startswith("postgres"):
            used[EXITED_BACKENDS] -= seconds  # reaped with its whole life's CPU; count only this interval's
    machine = end.machine - start.machine
    used["kernel, other exited processes"] = machine - sum(used.values())
    return CpuUse(end.at - start.at, machine, used)
