"""What the benchmarks share: their own database, subprocesses they always stop, CPU accounting from
/proc, and percentiles.

Imported by the scripts in bench/ (run as `.venv/bin/python bench/<name>.py`, so this folder is on the path).
Nothing here imports Django at module level: each benchmark sets its environment first.
"""

import math
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import psycopg.sql

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = "postgresql://todo:todo@127.0.0.1:5432/todo"
STARTUP_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)[ /]")  # Django's log format and Celery's


def say(text: str) -> None:
    print(text, flush=True)


def ensure_database(name: str) -> None:
    """Create the benchmark's database when missing and migrate it (DATABASE_URL must point at it)."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True, env=os.environ
    )


class Process:
    """A subprocess in its own process group, logging to `<logs>/<name>.log`."""

    def __init__(self, name: str, command: list[str], *, logs: Path, **env: str) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = logs / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        """Return once `ready()`; otherwise stop the process (nobody else will) and raise."""
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while not ready():
                if self.popen.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.popen.returncode}); see {self.log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.name}: no {what} within {STARTUP_SECONDS:.0f} s; see {self.log_path}"
                    )
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL when it has not stopped after the grace period."""
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"  {self.name} ignored SIGTERM for {STOP_GRACE_SECONDS:.0f} s: SIGKILL")
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        except ProcessLookupError:
            pass

    def problems(self) -> list[str]:
        """Warning, error and critical lines of its log."""
        return [line for line in self.log().splitlines() if PROBLEM.search(line)]


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
