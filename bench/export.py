"""Export and import of one user's tasks through the production server set-up: time, bytes and memory.

Run from the repository root: `.venv/bin/python bench/export.py [--runs 3]`. It prints figures and asserts
nothing.

1. Uses its own PostgreSQL database `todo_bench_export` (created when missing, migrated) and seeds, through
   COPY, users with 10,000 and 100,000 tasks (and one with 200 for the warm-up): a tenth of them in weekly
   series of five (a first task and four occurrences linked to it), 30% completed, most with tags, due
   dates, one or three reminders and a description. A re-run finds the seed and skips it; each run first
   deletes what earlier imports made.
2. Each run starts gunicorn as the Procfile does (`-c python:todo_project.gunicorn_conf` and its worker
   set-up, DEBUG off) on a free port, warms the workers up (a few small exports at once),
   then exports 10,000 and 100,000 tasks, each read to the end by a streaming client, and imports the
   two files into fresh users (one request each, the file streamed from disk). It always stops the server
   (harness.Process). The server's log: .cache/logs/bench-export-gunicorn.log.
3. Memory: before each request, the workers' peak RSS (VmHWM) is reset (`/proc/<pid>/clear_refs` 5) and
   their RSS (VmRSS) read; after it, the worker whose peak grew most is the one that served it: its peak
   minus its RSS before is what the request cost. The same-run bound is the 10,000-task figure: a stream
   whose memory does not grow with size costs about the same for 100,000.
"""

import argparse
import http.client
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import jwt
import psycopg
from harness import (
    ADMIN_DSN,
    Process,
    ensure_database,
    free_port,
    procfile_gunicorn_workers,
    say,
    stop_on_sigterm,
)
from psycopg.types.json import Jsonb

from tasks_app.reminders import ReminderSpec, store  # plain Python: the stored shape of a task's reminders

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".cache" / "logs"
BIN = Path(sys.executable).parent

BENCH_DB = "todo_bench_export"
BENCH_DSN = f"postgresql://todo:todo@127.0.0.1:5432/{BENCH_DB}"
AUTH_SECRET = secrets.token_urlsafe(48)

SIZES = (10_000, 100_000)
WARM_UP_SIZE = 200  # a third user, exported before the measured requests
SERIES_EVERY = 50  # tasks; each series is a first task and SERIES_LENGTH - 1 occurrences
SERIES_LENGTH = 5
TASK_ID_BASE = 1_000_000_000  # seeded ids; the sequence is moved past them
SEED_FROM = datetime(2025, 1, 1, tzinfo=UTC)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo")
TAGS = ("work", "home", "errands", "health", "finance", "urgent")
SENT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)  # seeded reminders before this were sent
SAMPLE_SECONDS = 0.02
READ_BYTES = 64 * 1024
REQUEST_TIMEOUT_SECONDS = 3600.0
HEALTH_DEADLINE_SECONDS = 60.0
DOCUMENT_END = b"]}\n"  # how an export that was read to its end ends


def owner(size: int) -> str:
    return f"bench-export-{size}"


def _seed_rows(size: int) -> Iterator[tuple[object, ...]]:
    """The tasks of `owner(size)`, deterministic, as COPY rows (see the module's doc)."""
    rng = random.Random(size)
    base = TASK_ID_BASE + size * 10  # the users' id ranges never meet
    user_id = owner(size)
    root = 0
    for index in range(size):
        task_id = base + index
        created = SEED_FROM + timedelta(minutes=index)
        due = created + timedelta(days=rng.randrange(1, 400), hours=rng.randrange(24))
        in_series = index % SERIES_EVERY < SERIES_LENGTH
        if in_series and index % SERIES_EVERY == 0:
            root = task_id
        position = index % SERIES_EVERY
        if in_series:
            due = SEED_FROM + timedelta(days=30 + 7 * position, hours=index % 24)
        completed = rng.random() < 0.3 or (in_series and position < SERIES_LENGTH - 1)
        completed_at = created + timedelta(hours=rng.randrange(1, 72)) if completed else None
        # 60% have reminders: 15 minutes before the due date, and a third of those also one a day before
        # and one at 08:00 UTC that day; those before 2026 sent.
        kinds = rng.random()
        specs = (
            []
            if kinds >= 0.6
            else [ReminderSpec(before_due=timedelta(minutes=15))]
            if kinds >= 0.2
            else [
                ReminderSpec(before_due=timedelta(minutes=15)),
                ReminderSpec(before_due=timedelta(days=1)),
                ReminderSpec(at=due.replace(hour=8, minute=0, second=0, microsecond=0)),
            ]
        )
        instants = [spec.instant(due) for spec in specs]
        reminders = store(specs, due_date=due, done=[at for at in instants if at and at < SENT_BEFORE])
        yield (
            task_id,
            user_id,
            f"Task {index} of {size}",
            "Notes " + "lorem ipsum " * rng.randrange(0, 20),
            completed,
            completed_at,
            rng.choice(("low", "medium", "high")),
            rng.sample(TAGS, rng.randrange(4)),
            due,
            ZONES[index % len(ZONES)],
            "FREQ=WEEKLY" if in_series else None,
            (due + timedelta(days=7)) if in_series and position < SERIES_LENGTH - 1 else None,
            root if in_series and position else None,
            Jsonb(reminders.reminders),
            reminders.reminder_at,
            reminders.reminder_sent,
            created,
            completed_at or created,
        )


COLUMNS = (
    "id, user_id, title, description, completed, completed_at, priority, tags, due_date, timezone, "
    "recurring_pattern, next_occurrence, parent_task_id, reminders, reminder_at, reminder_sent, created_at, "
    "updated_at"
)


def seed(conn: psycopg.Connection) -> None:
    for size in (WARM_UP_SIZE, *SIZES):
        user_id = owner(size)
        count = conn.execute("SELECT count(*) FROM tasks WHERE user_id = %s", [user_id]).fetchone()
        several = conn.execute(  # a seed from before several reminders per task is made again
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE user_id = %s AND jsonb_array_length(reminders) = 3)",
            [user_id],
        ).fetchone()
        if count == (size,) and several == (True,):
            continue
        say(f"seeding {size:,} tasks of {user_id} (COPY)")
        with conn.transaction():
            conn.execute("DELETE FROM tasks WHERE user_id = %s", [user_id])
            conn.execute(
                "INSERT INTO users (id, email, name, timezone, created_at, updated_at)"
                " VALUES (%s, %s, %s, 'Europe/Paris', now(), now()) ON CONFLICT (id) DO NOTHING",
                [user_id, f"{user_id}@example.com", user_id],
            )
            with conn.cursor().copy(f"COPY tasks ({COLUMNS}) FROM STDIN") as copy:
                for row in _seed_rows(size):
                    copy.write_row(row)
        conn.execute("SELECT setval(pg_get_serial_sequence('tasks', 'id'), (SELECT max(id) FROM tasks))")
    conn.execute("VACUUM (ANALYZE) tasks")


def reset_previous_runs(conn: psycopg.Connection) -> None:
    """Imports of earlier runs, their outbox rows and keys: gone (only ever this database)."""
    conn.execute("DELETE FROM tasks WHERE user_id LIKE 'bench-import-%%'")
    conn.execute("DELETE FROM users WHERE id LIKE 'bench-import-%%'")
    conn.execute("TRUNCATE outbox_events, idempotency_keys CASCADE")
    conn.execute("VACUUM (ANALYZE) tasks, outbox_events")


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "BETTER_AUTH_SECRET": AUTH_SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://todo:todo@127.0.0.1:5432/{BENCH_DB}",
        "LOG_LEVEL": "WARNING",
        "METRICS_PORT_RANGE": "",
    }


def token(user_id: str) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": user_id, "iat": now, "exp": now + timedelta(hours=2)}, AUTH_SECRET, "HS256")


@dataclass
class Server:
    process: Process
    port: int

    def workers(self) -> list[int]:
        master = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rpartition(")")[2].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    found.append(int(entry.name))
        return found


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


@contextmanager
def running_server() -> Iterator[Server]:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "todo_project.wsgi",
        "-c",
        "python:todo_project.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        *procfile_gunicorn_workers(),
        "--graceful-timeout",
        "20",
        "--log-level",
        "warning",
    ]
    process = Process("bench-export-gunicorn", command, logs=LOGS, **server_env())

    def live() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/health/live")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    try:
        process.wait_until(live, "/health/live answering", timeout=HEALTH_DEADLINE_SECONDS)
        yield Server(process, port)
    finally:
        process.stop(20)


@dataclass
class Figures:
    seconds: float
    size_bytes: int
    rss_before_mib: float
    peak_mib: float
    status: int
    body: bytes
    # The serving worker's highest RSS sampled by the time 10%, 50% and 100% of the body had been read.
    through_mib: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def grew_mib(self) -> float:
        return self.peak_mib - self.rss_before_mib

    @property
    def at_tenth_mib(self) -> float:
        return self.through_mib[0]

    @property
    def at_end_mib(self) -> float:
        return self.through_mib[2]


class SendRequest:
    """Sends one request; `progress` gets (monotonic time, bytes so far) as the body goes by."""

    def __init__(self) -> None:
        self.progress: list[tuple[float, int]] = []

    def __call__(self, port: int) -> tuple[int, int, bytes]:
        raise NotImplementedError


def measured(server: Server, send: SendRequest) -> Figures:
    """Run one request; the serving worker's RSS before and its peak during it (see the module's doc), and its
    RSS sampled every SAMPLE_SECONDS while the body went by."""
    workers = server.workers()
    before = {}
    for pid in workers:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        before[pid] = _status_kib(pid, "VmRSS")
    samples: list[tuple[float, int, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            for pid in workers:
                samples.append((time.monotonic(), pid, _status_kib(pid, "VmRSS")))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        status, size, body = send(server.port)
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    peaks = {pid: _status_kib(pid, "VmHWM") for pid in workers}
    served = max(workers, key=lambda pid: peaks[pid] - before[pid])
    through = []
    for fraction in (0.1, 0.5, 1.0):
        reached = next((at for at, count in send.progress if count >= fraction * size), time.monotonic())
        rss = [kib for at, pid, kib in samples if pid == served and at <= reached]
        through.append(max(rss, default=before[served]) / 1024)
    return Figures(
        seconds,
        size,
        before[served] / 1024,
        peaks[served] / 1024,
        status,
        body,
        (through[0], through[1], through[2]),
    )


class Export(SendRequest):
    def __init__(self, user_id: str, into: Path | None) -> None:
        super().__init__()
        self.user_id = user_id
        self.into = into

    def __call__(self, port: int) -> tuple[int, int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
        conn.request(
            "GET", f"/api/{self.user_id}/export", headers={"Authorization": f"Bearer {token(self.user_id)}"}
        )
        response = conn.getresponse()
        size = 0
        tail = b""
        with open(self.into, "wb") if self.into else open(os.devnull, "wb") as out:
            while chunk := response.read(READ_BYTES):
                size += len(chunk)
                self.progress.append((time.monotonic(), size))
                tail = (tail + chunk)[-16:]
                out.write(chunk)
        conn.close()
        return response.status, size, tail


class Import(SendRequest):
    def __init__(self, user_id: str, source: Path) -> None:
        super().__init__()
        self.user_id = user_id
        self.source = source

    def __call__(self, port: int) -> tuple[int, int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
        size = self.source.stat().st_size
        with open(self.source, "rb") as file:
            conn.request(
                "POST",
                f"/api/{self.user_id}/import",
                body=self._chunks(file),
                headers={
                    "Authorization": f"Bearer {token(self.user_id)}",
                    "Content-Type": "application/json",
                    "Content-Length": str(size),
                },
            )
            response = conn.getresponse()
            answer = response.read()
        conn.close()
        return response.status, size, answer

    def _chunks(self, file: BinaryIO) -> Iterator[bytes]:
        sent = 0
        while chunk := file.read(READ_BYTES):
            yield chunk
            sent += len(chunk)
            self.progress.append((time.monotonic(), sent))


def warm_up(server: Server) -> None:
    """Every worker runs the code paths once first (small exports, as many at a time as there are workers,
    so that each serves): the measured requests then show what they cost, not what loading the code does."""
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, len(server.workers()))
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(lambda _: Export(owner(WARM_UP_SIZE), None)(server.port), range(2 * workers)):
            pass


def memory(figures: Figures) -> str:
    tenth, half, whole = figures.through_mib
    return (
        f"worker RSS {figures.rss_before_mib:6.1f} MiB before, peak {figures.peak_mib:6.1f} MiB"
        f" (+{figures.grew_mib:.1f}); after 10% / 50% / 100% of the body"
        f" {tenth:.1f} / {half:.1f} / {whole:.1f} MiB"
    )


def one_run(number: int, files: Path) -> dict[str, Figures]:
    results: dict[str, Figures] = {}
    with psycopg.connect(BENCH_DSN, autocommit=True) as conn:
        reset_previous_runs(conn)
    with running_server() as server:
        warm_up(server)
        for size in SIZES:
            path = files / f"export-{size}.json"
            figures = measured(server, Export(owner(size), path))
            results[f"export {size:,}"] = figures
            mib = figures.size_bytes / 2**20
            complete = "" if figures.body.endswith(DOCUMENT_END) else " TRUNCATED"
            say(
                f"  run {number}: export {size:>7,} tasks: {figures.seconds:6.2f} s, {mib:6.1f} MiB"
                f" ({mib / figures.seconds:5.1f} MiB/s), HTTP {figures.status}{complete}, {memory(figures)}"
            )
        for size in SIZES:
            importer = f"bench-import-{number}-{size}-{secrets.token_hex(3)}"
            figures = measured(server, Import(importer, files / f"export-{size}.json"))
            results[f"import {size:,}"] = figures
            say(
                f"  run {number}: import {size:>7,} tasks: {figures.seconds:6.2f} s"
                f" ({size / figures.seconds:6.0f} tasks/s), HTTP {figures.status} {figures.body[:60]!r},"
                f" {memory(figures)}"
            )
        server.process.say_problems("gunicorn")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    stop_on_sigterm()
    os.environ["DATABASE_URL"] = f"postgres://todo:todo@127.0.0.1:5432/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("BETTER_AUTH_SECRET", AUTH_SECRET)
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    with psycopg.connect(ADMIN_DSN, autocommit=True):
        pass
    ensure_database(BENCH_DB)
    with psycopg.connect(BENCH_DSN, autocommit=True) as conn:
        seed(conn)
    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as files:
        for number in range(1, args.runs + 1):
            runs.append(one_run(number, Path(files)))
    say(f"ranges over {len(runs)} runs (min - max):")
    for name in runs[0]:
        values = [run[name] for run in runs]

        def span(attribute: str, values: list[Figures] = values) -> str:
            numbers = [getattr(figures, attribute) for figures in values]
            return f"{min(numbers):.1f} - {max(numbers):.1f}"

        size = values[0].size_bytes / 2**20
        say(
            f"  {name:>14} tasks: {span('seconds')} s, {size:.1f} MiB body, worker RSS before"
            f" {span('rss_before_mib')} MiB, peak {span('peak_mib')} MiB, grew {span('grew_mib')} MiB;"
            f" RSS after 10% of the body {span('at_tenth_mib')} MiB, at its end {span('at_end_mib')} MiB"
        )


if __name__ == "__main__":
    main()
