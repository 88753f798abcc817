"""Benchmark of live updates end to end: task changes made through the API, delivered to the Server-Sent
Events streams held open on ONE live-updates server.

Run from the repository root: `.venv/bin/python bench/live.py [--streams N --users N --rate N --seconds N
--steps N,N,... --step-seconds N --clients N]` (about 4 to 5 minutes with the defaults). It prints figures
and asserts nothing.

The path of a change (docs/live-updates.md): the API (gunicorn `todo_project.wsgi` with the Procfile's worker
set-up, without its access log) commits the change and its event (outbox) -> the
relay (`manage.py run_outbox_relay`) publishes it to Kafka -> the `task-updates` bridge (`manage.py
run_bridge task-updates`) reads the task and appends the message to the user's Redis stream (XADD), naming
the user on `live:wake` -> the live-updates server (`manage.py run_live_updates`, Django ASGI under
uvicorn, one process) reads it once and writes it to each of the user's open streams. Every process is a
subprocess started here with harness.Process and always stopped here. Logs: .cache/logs/bench-live/.

The measuring is done by processes of its own, apart from the system and from each other so that neither
starves the other (this script again, with a hidden `--role`):
- stream holders (`--clients`, 2 by default, the streams split between them): a minimal asyncio HTTP/1.1
  client on uvloop, one coroutine per stream, no threads: `GET /api/{user}/events` with `Authorization:
  Bearer`, the response head, then the chunked body de-chunked and parsed into `id:`/`event:`/`data:`
  fields (lines end with \n, as the server writes them). A stream counts as open at the server's
  `: connected`. Each message is kept as (stream, `event_id` from its JSON, SSE id, `time.time()` when its
  chunk was read). A 50 ms sleep loop measures how late each holder's own event loop runs.
- the load generator, asyncio too, over 16 keep-alive connections to gunicorn (twice its threads; when the
  API cannot keep up, the rate achieved drops instead of a queue growing inside gunicorn). Change n is due
  at n / rate, for `--seconds`; users take turns in a fixed shuffled order, so each user changes every
  users / rate seconds, and a user's changes never overlap (the next waits for the previous answer; a turn
  that comes after the end is not taken, and counted). That makes "in order" exact. Each change is, a third
  each at random, a create (`POST /tasks`), an update of one of the user's tasks (`PATCH /tasks/{id}`: a new
  title and priority) or a completion toggle (`PATCH /tasks/{id}/complete`: completes an open task, reopens
  a completed one). `time.time()` is taken just before the request is written ("sent") and when the answer
  has been read.
- this orchestrator: it prepares, starts and stops everything, reads /proc and the server's metrics, and
  matches what was sent with what was received.

Matching is exact: after a phase, the `task-updates` outbox rows written in it are read back in id order.
A user's changes never overlap, so for each task the n-th change answered 2xx is the task's n-th row (its
type is checked: a create is `task.created`, the rest `task.updated`), and the row's `event_id` is the one
the message's JSON carries. Each delivery is then (stream, change).

Per phase it prints:
- load: changes sent and the rate achieved, against the rate offered; the API's request latency (sent ->
  answer read); how far behind the schedule the changes were sent.
- commit-to-client latency: the stream's receipt - the moment the API request was sent, over every
  delivery (p50/p99/max, nearest rank). Sending precedes the commit, so it is an upper bound of
  commit-to-client; a message may well arrive before the API's answer (the share is printed). It is split at
  the XADD (the SSE id is Redis's clock in ms, this machine's clock): sent -> XADD is the API, the outbox,
  the relay, Kafka and the bridge; XADD -> receipt ("fan-out") is the live server (and the holder's own lag).
  The goal: p99 < 150 ms. The seconds of the load in which fan-outs over 50 ms happened, and what the live
  server logged meanwhile, locate its stalls.
- correctness: each stream got every change of its user exactly once and in the order they were made,
  nothing of another user, nothing unknown (counts of missing, duplicates, out of order, foreign, unknown,
  and of the streams that got exactly their user's changes); SSE ids rise in every stream; streams refused,
  ended by the server, or broken; changes without their outbox row. When deliveries stop coming with some
  still missing, it waits until none came for 17 s (past the hub's 15 s refresh, which reads every user
  again): what came by then counts, late, in the latencies; what did not is "missing".
- memory: the live server's RSS (VmRSS of the process and any children) with 0 streams after the warm-up
  and with N open (after all connected, before the load): the difference / N is one open stream's memory;
  and its threads (/proc/PID/status) before and with the streams open.
  For a step it is taken from the RSS before the step (memory freed by the previous step is reused, so
  steps read lower than a fresh process would).
- CPU from /proc (utime + stime over the window from the first change to the last delivery): the live
  server's CPU per delivered message, the bridge's per published change, the stream holders' and the
  generator's cores, the live server's CPU per stream opened, and the harness's line of every process's share
  (gunicorn, PostgreSQL, Kafka, Redis, relay, kernel, other processes).

Phases: a warm-up (100 streams, 3 s of changes, not reported); the main phase (`--streams` 1,000 across
`--users` 100, `--rate` 200 changes/s for `--seconds` 30); then the steps (`--steps` 2,000, 4,000 and 8,000
streams, `--step-seconds` 16 each: every step sees at least one of the hub's 15 s refreshes), at the
same rate and with the main phase's streams per user (10): the users grow with the streams, so the
fan-out per change and the deliveries per second stay the same while the open streams grow. The steps go on
while every message arrives exactly once and the fan-out p99 (the live server's own share) stays under the
goal; the summary names the last step under the goal by end-to-end p99 and by fan-out p99. The ceiling is
the largest step; the file descriptors would allow more: RLIMIT_NOFILE is raised to its hard limit here and
inherited by the server and the holders (one descriptor per stream each; the limit is printed).

How to read it: everything shares this machine's cores (2 here), PostgreSQL, Kafka, Redis, gunicorn, the
relay, the bridge, the live server, the holders and the generator, and whatever else runs (other sessions'
tests: see the load averages and "other processes"). When the rate achieved is below the rate offered, or
"sent after due" grows, the upstream (API, PostgreSQL, bridge) is saturated and its queueing dominates the
end-to-end latency; the fan-out figures are then the ones that say what the live server does. Figures from a
busy machine vary from run to run.

Isolation: its own database `todo_live_bench` (created when missing, migrated, emptied at the start; users
and 10 open tasks each are seeded by COPY, so seeding writes no events), its own topic prefix
`bench-live-<random>.` (topics created with `topics_ensure()`, deleted with the bridge's consumer group at
the end), its own Redis databases, flushed at start and end: `redis://127.0.0.1:6379/11` for the live
updates (LIVE_UPDATES_REDIS_URL) and `/10` as Celery broker (nothing is queued there: the bridge writes these
changes to Redis itself). DEBUG is off, with throw-away secrets. `--redis-max-connections N` appends
`?max_connections=N` to LIVE_UPDATES_REDIS_URL (redis-py reads it from the URL): the size of the live
server's Redis connection pool, to compare with its default (live_updates_app/streams.py, ASYNC_POOL_SIZE).
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import jwt
import psycopg
import redis
import uvloop

# bench/ is on the path of a script run from it
from harness import (
    CpuUse,
    Process,
    cpu_snapshot,
    cpu_use,
    drop_kafka_state,
    ensure_database,
    free_port,
    percentile,
    proc_stat,
    procfile_gunicorn_workers,
    reset_database,
    say,
    spread,
    stop_on_sigterm,
    use_environment,
)

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".cache" / "logs" / "bench-live"
BENCH_DB = "todo_live_bench"
BENCH_DSN = f"postgresql://todo:todo@127.0.0.1:5432/{BENCH_DB}"
BROKER_URL = "redis://127.0.0.1:6379/10"
LIVE_REDIS_URL = "redis://127.0.0.1:6379/11"

GOAL_P99_MS = 150.0
USER_PREFIX = "bench-live-"
SEEDED_TASKS = 10  # open tasks per user, the targets of updates and completions
KINDS = ("create", "update", "complete")
# The generator's keep-alive connections to gunicorn: twice its 8 threads, so that every thread always has a
# request waiting; 200 changes/s at up to 80 ms each. When the API cannot keep up, the rate achieved drops
# (printed) rather than a queue growing without bound inside gunicorn and inflating every latency.
API_CONNECTIONS = 16
SLOW_FANOUT_MS = 50.0  # deliveries whose fan-out took longer are located in time (see report())
API_TIMEOUT = 30.0
CONNECT_CONCURRENCY = 64  # streams a client process opens at once
PROGRESS_SECONDS = 0.25  # how often a client prints its counts (the orchestrator reads them in its log)
LAG_INTERVAL = 0.05  # the clients' event-loop lag sampler
WARMUP_STREAMS = 100
WARMUP_SECONDS = 3.0
# After the last answer: the CPU window ends when every delivery came or none came for DRAIN_QUIET_SECONDS;
# deliveries still missing are then waited for until none came for DRAIN_STALL_SECONDS (longer than the
# hub's 15 s refresh, which reads every user again), and only then count as missing.
DRAIN_QUIET_SECONDS = 2.0
DRAIN_STALL_SECONDS = 17.0
DRAIN_MAX_SECONDS = 60.0
READY_TIMEOUT_PER_1000 = 30.0  # seconds the clients get to open 1,000 streams
THREADS_SETTLE_SECONDS = 30.0  # after a phase, how long the live server's threads may take to go back
# As the Procfile's `web`, without its access log.
GUNICORN_ARGS = (*procfile_gunicorn_workers(), "--graceful-timeout", "20")


# --- shared by the roles ----------------------------------------------------------------------------------


def user_id(number: int) -> str:
    return f"{USER_PREFIX}{number:05d}"


def mint_token(user: str) -> str:
    """An HS256 token as Better Auth issues it, signed with this run's BETTER_AUTH_SECRET (inherited)."""
    now = datetime.now(tz=UTC)
    claims = {
        "sub": user,
        "email": f"{user}@bench.example",
        "name": user,
        "iat": now,
        "exp": now + timedelta(hours=2),
    }
    return jwt.encode(claims, os.environ["BETTER_AUTH_SECRET"], algorithm="HS256")


def raise_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (children inherit it); the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """An HTTP/1.1 response's status and headers (names in lower case)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def read_chunk(reader: asyncio.StreamReader) -> bytes:
    """The next chunk of a chunked body; b"" for the last (zero-size) chunk."""
    size_line = await reader.readline()
    if not size_line:
        raise asyncio.IncompleteReadError(b"", None)
    size = int(size_line.split(b";", 1)[0].strip(), 16)
    if size == 0:
        await reader.readline()  # the empty trailer
        return b""
    data = await reader.readexactly(size + 2)
    return data[:-2]


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while chunk := await read_chunk(reader):
            parts.append(chunk)
        return b"".join(parts)
    return await reader.read()


# --- role "streams": hold streams, stamp every message ------------------------------------------------


@dataclass
class Holder:
    """What one stream-holder process saw; dumped as JSON when it is told to stop (SIGTERM)."""

    connected: list[int] = field(default_factory=list)  # stream indexes that got `: connected`
    refused: Counter[str] = field(default_factory=Counter)  # why streams did not open
    ended: list[int] = field(default_factory=list)  # the server ended the body (last chunk)
    broken: Counter[str] = field(default_factory=Counter)  # connection lost otherwise
    # (stream index, event id from the JSON, SSE id, time.time() when its chunk was read)
    deliveries: list[tuple[int, str, str, float]] = field(default_factory=list)
    other_events: Counter[str] = field(default_factory=Counter)  # resync and anything not a task change
    lags: list[tuple[float, float]] = field(default_factory=list)  # (time.time(), event-loop lag in s)
    first_connect: float = 0.0
    last_connected: float = 0.0


def parse_block(block: bytes) -> tuple[str | None, str, str] | None:
    """One SSE message (lines separated by \\n, as the server writes them): (id, event, data) or None for a
    comment-only block."""
    sse_id: str | None = None
    event = "message"
    data: list[str] = []
    for raw in block.split(b"\n"):
        if not raw or raw.startswith(b":"):
            continue
        name, _, value = raw.partition(b":")
        text = value[1:] if value.startswith(b" ") else value
        if name == b"data":
            data.append(text.decode())
        elif name == b"id":
            sse_id = text.decode()
        elif name == b"event":
            event = text.decode()
    if not data:
        return None
    return sse_id, event, "\n".join(data)


async def hold_stream(
    index: int, user: str, token: str, port: int, holder: Holder, gate: asyncio.Semaphore
) -> None:
    request = (
        f"GET /api/{user}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
    ).encode()
    writer: asyncio.StreamWriter | None = None
    connected = False
    try:
        async with gate:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                status, headers = await read_head(reader)
            except (OSError, asyncio.IncompleteReadError) as error:
                holder.refused[type(error).__name__] += 1
                return
            if status != 200 or headers.get("transfer-encoding", "").lower() != "chunked":
                holder.refused[f"HTTP {status}"] += 1
                return
            pending = b""
            while not connected:  # the server's `: connected` comes once the hub has joined the stream
                chunk = await read_chunk(reader)
                if not chunk:
                    holder.refused["ended before connected"] += 1
                    return
                pending += chunk
                connected = b": connected" in pending
            holder.connected.append(index)
            holder.last_connected = time.time()
        pending = pending[pending.index(b"\n\n", pending.index(b": connected")) + 2 :]
        deliveries = holder.deliveries
        while True:
            chunk = await read_chunk(reader)
            now = time.time()
            if not chunk:
                holder.ended.append(index)
                return
            pending += chunk
            while (end := pending.find(b"\n\n")) >= 0:
                block, pending = pending[:end], pending[end + 2 :]
                message = parse_block(block)
                if message is None:
                    continue
                sse_id, event, data = message
                if event.startswith("task."):
                    deliveries.append((index, str(json.loads(data)["event_id"]), sse_id or "", now))
                else:
                    holder.other_events[event] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        if connected:
            holder.broken[type(error).__name__] += 1
        else:
            holder.refused[type(error).__name__] += 1
    finally:
        if writer is not None:
            writer.close()


async def sample_lag(holder: Holder) -> None:
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(LAG_INTERVAL)
        holder.lags.append((time.time(), loop.time() - started - LAG_INTERVAL))


async def streams_role(args: argparse.Namespace) -> None:
    raise_file_limit()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    holder = Holder()
    tokens: dict[str, str] = {}
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    holder.first_connect = time.time()
    tasks = []
    for index in range(args.first, args.first + args.count):
        user = user_id(index % args.users)
        token = tokens.setdefault(user, mint_token(user))
        tasks.append(asyncio.create_task(hold_stream(index, user, token, args.port, holder, gate)))
    sampler = asyncio.create_task(sample_lag(holder))
    last = ""
    while not stop.is_set():
        line = (
            f"state connected={len(holder.connected)} refused={sum(holder.refused.values())} "
            f"received={len(holder.deliveries)} opened_in={holder.last_connected - holder.first_connect:.2f}"
        )
        if line != last:
            print(line, flush=True)
            last = line
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PROGRESS_SECONDS)
    for task in [*tasks, sampler]:
        task.cancel()
    await asyncio.gather(*tasks, sampler, return_exceptions=True)
    result = {
        "connected": holder.connected,
        "refused": dict(holder.refused),
        "ended": holder.ended,
        "broken": dict(holder.broken),
        "deliveries": holder.deliveries,
        "other_events": dict(holder.other_events),
        "lags": holder.lags,
        "opened_in": holder.last_connected - holder.first_connect,
    }
    Path(args.out).write_text(json.dumps(result))
    print("done", flush=True)


# --- role "load": the paced API writes ----------------------------------------------------------------


class ApiConnection:
    """One keep-alive HTTP/1.1 connection to gunicorn."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes, float, bool]:
        """(status, body, time.time() when the request was written, retried). A connection the server
        closed while idle (nothing read back) is opened again and the request sent once more."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.used = 0
            assert self.reader is not None
            reused = self.used > 0
            sent = time.time()
            self.writer.write(raw)
            try:
                status, headers = await read_head(self.reader)
                body = await read_body(self.reader, headers)
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                self.close()
                nothing_read = not isinstance(error, asyncio.IncompleteReadError) or not error.partial
                if attempt == 0 and reused and nothing_read:
                    continue
                raise
            self.used += 1
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, body, sent, attempt > 0
        raise AssertionError("unreachable")


@dataclass
class UserState:
    token: str
    tasks: list[list[Any]]  # [task id, completed]
    rng: random.Random


async def load_role(args: argparse.Namespace) -> None:
    users = [user_id(n) for n in range(args.users)]
    with psycopg.connect(BENCH_DSN) as conn:
        rows = conn.execute(
            "SELECT user_id, id, completed FROM tasks WHERE user_id = ANY(%s) ORDER BY id", [users]
        ).fetchall()
    owned: dict[str, list[list[Any]]] = defaultdict(list)
    for owner, task_id, completed in rows:
        owned[owner].append([task_id, completed])
    states = {
        user: UserState(mint_token(user), owned[user], random.Random(f"{args.seed}-{user}")) for user in users
    }
    pool: asyncio.Queue[ApiConnection] = asyncio.Queue()
    for _ in range(API_CONNECTIONS):
        pool.put_nowait(ApiConnection(args.port))
    changes: list[list[Any]] = []  # [n, user index, kind, task id, sent, answered, status, behind schedule s]
    failures: Counter[str] = Counter()
    retries = skipped = 0
    end = math.inf  # when the phase ends: a change whose turn comes later is not sent

    async def change(n: int, number: int, kind: str, previous: asyncio.Task[None] | None, due: float) -> None:
        nonlocal retries, skipped
        if previous is not None:
            await asyncio.wait([previous])  # a user's changes never overlap
        if time.time() > end:
            skipped += 1
            return
        user = users[number]
        state = states[user]
        target: list[Any] | None = None
        if kind == "create":
            method, path = "POST", f"/api/{user}/tasks"
            body: dict[str, Any] = {
                "title": f"live {args.seed}-{n}",  # unique in the run: an update always changes the title
                "priority": state.rng.choice(("low", "medium", "high")),
            }
        else:
            target = state.rng.choice(state.tasks)
            if kind == "update":
                method, path = "PATCH", f"/api/{user}/tasks/{target[0]}"
                body = {
                    "title": f"live {args.seed}-{n}",
                    "priority": state.rng.choice(("low", "medium", "high")),
                }
            else:
                method, path = "PATCH", f"/api/{user}/tasks/{target[0]}/complete"
                body = {"completed": not target[1]}
        payload = json.dumps(body).encode()
        raw = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
            f"Authorization: Bearer {state.token}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        connection = await pool.get()
        sent = time.time()
        try:
            async with asyncio.timeout(API_TIMEOUT):
                status, answer, sent, retried = await connection.request(raw)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            connection.close()
            failures[type(error).__name__] += 1
            changes.append([n, number, kind, None, sent, time.time(), 0, 0.0])
            return
        finally:
            pool.put_nowait(connection)
        answered = time.time()
        retries += retried
        task_id = target[0] if target is not None else None
        if 200 <= status < 300:
            if kind == "create":
                task_id = int(json.loads(answer)["id"])
                state.tasks.append([task_id, False])
            elif kind == "complete" and target is not None:
                target[1] = not target[1]
        else:
            failures[f"HTTP {status}"] += 1
        changes.append([n, number, kind, task_id, sent, answered, status, sent - due])

    loop = asyncio.get_running_loop()
    go, stop = asyncio.Event(), asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, go.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("armed", flush=True)
    await go.wait()
    rng = random.Random(args.seed)
    order = list(range(len(users)))
    rng.shuffle(order)
    total = round(args.rate * args.seconds)
    started_loop, started = loop.time(), time.time()
    end = started + args.seconds
    last: dict[int, asyncio.Task[None]] = {}
    running: set[asyncio.Task[None]] = set()
    for n in range(total):
        due_loop = started_loop + n / args.rate
        if (wait := due_loop - loop.time()) > 0:
            await asyncio.sleep(wait)
        number = order[n % len(order)]
        kind = rng.choice(KINDS)
        task = asyncio.create_task(change(n, number, kind, last.get(number), started + n / args.rate))
        last[number] = task
        running.add(task)
        task.add_done_callback(running.discard)
    while running:
        await asyncio.wait(set(running))
    finished = time.time()
    while not pool.empty():
        pool.get_nowait().close()
    result = {
        "changes": sorted(changes),
        "failures": dict(failures),
        "retries": retries,
        "skipped": skipped,
        "started": started,
        "finished": finished,
    }
    Path(args.out).write_text(json.dumps(result))
    print("done", flush=True)
    await stop.wait()  # until SIGTERM: the orchestrator takes this process's CPU when the deliveries end


# --- the orchestrator: the system -------------------------------------------------------------------------


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own servers
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Stack:
    api: Process
    api_port: int
    live: Process
    live_port: int
    metrics_port: int
    relay: Process
    bridge: Process

    @property
    def processes(self) -> list[Process]:
        return [self.relay, self.bridge, self.api, self.live]

    def metrics(self) -> dict[str, float]:
        """The live server's Prometheus figures: `name{labels}` -> value."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
        figures = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                figures[name] = float(value)
        return figures

    def open_streams(self) -> int:
        return int(self.metrics().get("live_updates_connections", -1))


def manage(name: str, *args: str, **env: str) -> Process:
    return Process(name, [sys.executable, "manage.py", *args], logs=LOGS, **env)


def start_stack(processes: list[Process]) -> Stack:
    relay = manage("relay", "run_outbox_relay", LOG_LEVEL="INFO")
    processes.append(relay)
    relay.wait_until(lambda: "relay is active" in relay.log(), "'relay is active'")
    bridge = manage("bridge", "run_bridge", "task-updates", LOG_LEVEL="INFO")
    processes.append(bridge)
    bridge.wait_until(lambda: "assigned" in bridge.log(), "partition assignment")
    api_port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "todo_project.wsgi"]
    command += ["--bind", f"127.0.0.1:{api_port}", *GUNICORN_ARGS, "--log-level", "warning"]
    api = Process("gunicorn", command, logs=LOGS)
    processes.append(api)
    api.wait_until(lambda: answers(f"http://127.0.0.1:{api_port}/health/live"), "/health/live answering")
    live_port, metrics_port = free_port(), free_port()
    live = manage("live", "run_live_updates", "--port", str(live_port), "--metrics-port", str(metrics_port))
    processes.append(live)
    live.wait_until(lambda: answers(f"http://127.0.0.1:{live_port}/health/live"), "/health/live answering")
    return Stack(api, api_port, live, live_port, metrics_port, relay, bridge)


def seed(probe: "psycopg.Connection[Any]", users: int) -> None:
    """`users` users with SEEDED_TASKS open tasks each, by COPY: no events."""
    since = datetime(2026, 1, 1, tzinfo=UTC)
    with probe.cursor().copy(
        "COPY users (id, email, name, timezone, created_at, updated_at) FROM STDIN"
    ) as copy:
        for number in range(users):
            user = user_id(number)
            copy.write_row((user, f"{user}@bench.example", user, "UTC", since, since))
    columns = "user_id, title, description, completed, priority, tags, timezone, created_at, updated_at"
    columns += ", reminder_sent"
    with probe.cursor().copy(f"COPY tasks ({columns}) FROM STDIN") as copy:
        for number in range(users):
            for index in range(SEEDED_TASKS):
                copy.write_row(
                    (user_id(number), f"seeded {index}", "", False, "medium", [], "UTC", since, since, False)
                )
    probe.execute("VACUUM ANALYZE users, tasks")


def tree_rss_kib(root: int) -> int:
    """VmRSS of a process and its descendants, in KiB."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children[int(raw[raw.rindex(")") + 2 :].split()[1])].append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def threads(pid: int) -> int:
    """Threads of a process (/proc/PID/status)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def bench_backends(probe: "psycopg.Connection[Any]") -> set[int]:
    rows = probe.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]).fetchall()
    return {int(row[0]) for row in rows}


def wait(condition: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


# --- the orchestrator: one phase --------------------------------------------------------------------------


@dataclass
class Phase:
    label: str
    streams: int
    users: int
    rate: float
    seconds: float


@dataclass
class Outcome:
    phase: Phase
    connected: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    opened_in: float = 0.0
    open_cpu: float = 0.0  # the live server's CPU seconds while the streams opened
    server_open: int = 0
    rss_before: int = 0  # KiB
    rss_open: int = 0
    rss_after: int = 0
    threads_before: int = 0  # the live server's threads before the streams opened, and with them open
    threads_open: int = 0
    threads_left: int = 0  # threads still there THREADS_SETTLE_SECONDS after the streams closed (or fewer)
    threads_settled_in: float = math.nan  # seconds until they were back to threads_before (nan: never)
    changes: int = 0  # answered 2xx
    kinds: Counter[str] = field(default_factory=Counter)
    api_failures: Counter[str] = field(default_factory=Counter)
    api_retries: int = 0
    skipped: int = 0  # changes not sent: their turn came after the phase's end
    sent_rate: float = 0.0
    behind: list[float] = field(default_factory=list)  # ms each change was sent after it was due
    api_ms: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    upstream_ms: list[float] = field(default_factory=list)  # sent -> XADD
    fanout_ms: list[float] = field(default_factory=list)  # XADD -> receipt
    slow_fanout_at: Counter[int] = field(default_factory=Counter)  # second of the phase -> slow fan-outs
    server_warnings: list[str] = field(default_factory=list)  # what the live server logged in the phase
    before_answer: int = 0
    unmatched: int = 0  # answered changes without their outbox row (or the other way round)
    expected: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    streams_out_of_order: int = 0
    foreign: int = 0
    unknown: int = 0
    ids_not_rising: int = 0
    exact_streams: int = 0
    ended: int = 0
    broken: Counter[str] = field(default_factory=Counter)
    other_events: Counter[str] = field(default_factory=Counter)
    ended_by_server: dict[str, float] = field(default_factory=dict)
    lag_ms: list[float] = field(default_factory=list)
    cpu: CpuUse | None = None
    window: float = 0.0
    straggler_wait: float = 0.0  # seconds waited after the CPU window for deliveries still missing

    def role_cpu(self, *names: str) -> float:
        return sum(self.cpu.by_category.get(name, 0.0) for name in names) if self.cpu else math.nan

    @property
    def p99(self) -> float:
        return percentile(self.latency_ms, 0.99)

    @property
    def warning_reasons(self) -> Counter[str]:
        """What the live server's warning lines end with (an exception's name), counted."""
        return Counter(line.rsplit(": ", 1)[-1] for line in self.server_warnings)

    @property
    def fanout_p99(self) -> float:
        return percentile(self.fanout_ms, 0.99)

    @property
    def sound(self) -> bool:
        """Every stream opened and got every change of its user once, in order, and nothing else."""
        return (
            self.connected == self.phase.streams
            and self.missing == self.duplicates == self.out_of_order == self.foreign == self.unknown == 0
            and self.unmatched == 0
            and self.changes > 0
        )


def live_cpu(stack: Stack) -> float:
    stat = proc_stat(str(stack.live.pid))
    return stat.seconds if stat else math.nan


def last_state(process: Process) -> dict[str, float]:
    lines = [line for line in process.log().splitlines() if line.startswith("state ")]
    if not lines:
        return {}
    return {key: float(value) for key, _, value in (part.partition("=") for part in lines[-1].split()[1:])}


def drain(holders: list[tuple[Process, Path, int]], expected: int | None, quiet: float) -> bool:
    """Wait until the holders received `expected` messages (True), or none came for `quiet` seconds or
    DRAIN_MAX_SECONDS passed (False)."""
    received, progress_at, started = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - started < DRAIN_MAX_SECONDS:
        now_received = sum(int(last_state(process).get("received", 0)) for process, _, _ in holders)
        if expected is not None and now_received >= expected:
            return True
        if now_received > received:
            received, progress_at = now_received, time.monotonic()
        elif time.monotonic() - progress_at > quiet:
            return False
        time.sleep(0.05)
    return False


def all_tried(process: Process, count: int) -> bool:
    state = last_state(process)
    return bool(state) and state["connected"] + state["refused"] >= count


def run_phase(
    stack: Stack, phase: Phase, probe: "psycopg.Connection[Any]", scratch: Path, clients: int, seed: int
) -> Outcome:
    outcome = Outcome(phase)
    outcome.rss_before = tree_rss_kib(stack.live.pid)
    outcome.threads_before = threads(stack.live.pid)
    cpu_before_open = live_cpu(stack)
    warnings_before = len(stack.live.problems())
    baseline_row = probe.execute("SELECT coalesce(max(id), 0) FROM outbox_events").fetchone()
    baseline = int(baseline_row[0]) if baseline_row else 0
    metrics_before = stack.metrics()
    slug = phase.label.replace(" ", "-")
    holders: list[tuple[Process, Path, int]] = []
    generator: Process | None = None
    try:
        share = math.ceil(phase.streams / clients)
        for number, first in enumerate(range(0, phase.streams, share)):
            count = min(share, phase.streams - first)
            out = scratch / f"{slug}-streams-{number}.json"
            command = [sys.executable, str(Path(__file__).resolve()), "--role", "streams", "--port"]
            command += [str(stack.live_port), "--users", str(phase.users), "--first", str(first)]
            command += ["--count", str(count), "--out", str(out)]
            holders.append((Process(f"streams-{number}", command, logs=LOGS), out, count))
        timeout = 20 + READY_TIMEOUT_PER_1000 * phase.streams / 1000
        for process, _, count in holders:
            process.wait_until(
                partial(all_tried, process, count), "every stream opened or refused", timeout=timeout
            )
        states = [last_state(process) for process, _, _ in holders]
        outcome.opened_in = max(state["opened_in"] for state in states)
        wait(lambda: stack.open_streams() >= sum(int(s["connected"]) for s in states), 10)
        outcome.server_open = stack.open_streams()
        outcome.open_cpu = live_cpu(stack) - cpu_before_open
        outcome.rss_open = tree_rss_kib(stack.live.pid)
        outcome.threads_open = threads(stack.live.pid)

        out = scratch / f"{slug}-load.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--role",
            "load",
            "--port",
            str(stack.api_port),
        ]
        command += ["--users", str(phase.users), "--rate", str(phase.rate), "--seconds", str(phase.seconds)]
        command += ["--seed", str(seed), "--out", str(out)]
        generator = Process("load", command, logs=LOGS)
        generator.wait_until(lambda: "armed" in generator.log(), "'armed'")
        roles = {
            stack.live.pid: "live server",
            stack.bridge.pid: "bridge",
            stack.relay.pid: "relay",
            stack.api.pid: "gunicorn",
            generator.pid: "load generator",
            os.getpid(): "bench (orchestrator)",
        } | {process.pid: "SSE clients" for process, _, _ in holders}
        before = cpu_snapshot(roles, bench_backends(probe))
        os.kill(generator.pid, signal.SIGUSR1)
        generator.wait_until(lambda: "done" in generator.log(), "the load's end", timeout=phase.seconds + 120)
        load = json.loads(out.read_text())

        # Expected deliveries: each answered change, to every open stream of its user.
        connected_streams = sum(int(s["connected"]) for s in states)
        streams_per_user = Counter(index % phase.users for index in range(phase.streams))
        ok = [row for row in load["changes"] if 200 <= row[6] < 300]
        expected = sum(streams_per_user[row[1]] for row in ok) if connected_streams == phase.streams else None
        complete = drain(holders, expected, DRAIN_QUIET_SECONDS)
        after = cpu_snapshot(roles, bench_backends(probe))
        outcome.cpu = cpu_use(before, after)
        outcome.window = outcome.cpu.seconds
        outcome.rss_after = tree_rss_kib(stack.live.pid)
        if not complete:
            started_waiting = time.monotonic()
            drain(holders, expected, DRAIN_STALL_SECONDS)
            outcome.straggler_wait = time.monotonic() - started_waiting
        metrics_after = stack.metrics()
        for name, value in metrics_after.items():
            if name.startswith("live_updates_ended_total"):
                reason = name.partition('reason="')[2].rstrip('"}')
                outcome.ended_by_server[reason] = value - metrics_before.get(name, 0.0)
    finally:
        if generator is not None:
            generator.stop()
        for process, _, _ in holders:
            process.stop()
    results = [json.loads(path.read_text()) for _, path, _ in holders if path.exists()]
    if len(results) != len(holders):
        raise RuntimeError(f"a stream holder left no results; see {LOGS}")
    wait(lambda: stack.open_streams() == 0, 30)
    closed = time.monotonic()
    if wait(lambda: threads(stack.live.pid) <= outcome.threads_before, THREADS_SETTLE_SECONDS, 0.25):
        outcome.threads_settled_in = time.monotonic() - closed
    outcome.threads_left = threads(stack.live.pid)
    outcome.server_warnings = stack.live.problems()[warnings_before:]
    rows = probe.execute(
        "SELECT event_id, event_type, key, (payload->>'task_id')::bigint FROM outbox_events "
        "WHERE id > %s AND topic = 'task-updates' ORDER BY id",
        [baseline],
    ).fetchall()
    analyse(outcome, load, results, rows)
    return outcome


def analyse(outcome: Outcome, load: dict[str, Any], results: list[dict[str, Any]], rows: list[Any]) -> None:
    phase = outcome.phase
    ok = [row for row in load["changes"] if 200 <= row[6] < 300]
    outcome.changes = len(ok)
    outcome.kinds = Counter(row[2] for row in ok)
    outcome.api_failures = Counter(load["failures"])
    outcome.api_retries = int(load["retries"])
    outcome.skipped = int(load["skipped"])
    last_sent = max((row[4] for row in load["changes"]), default=load["started"])
    # The n-th change is due at n / rate: n changes sent by the last one's sending is the rate achieved.
    took = last_sent - load["started"]
    outcome.sent_rate = (len(load["changes"]) - 1) / took if took > 0 else 0.0
    outcome.behind = [max(0.0, row[7]) * 1000 for row in load["changes"]]
    outcome.api_ms = [(row[5] - row[4]) * 1000 for row in ok]

    # Exact matching: per task, the n-th answered change is the n-th outbox row of that task.
    by_task: dict[int, list[list[Any]]] = defaultdict(list)
    for row in ok:  # sorted by n: a task's changes in the order they were made
        by_task[row[3]].append(row)
    events: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for event_id, event_type, key, task_id in rows:
        events[int(task_id)].append((event_id, event_type, key))
    change_of: dict[str, list[Any]] = {}  # event id -> change row
    event_user: dict[str, str] = {}
    for event_id, _, key in (item for items in events.values() for item in items):
        event_user[event_id] = key
    for task_id in by_task.keys() | events.keys():
        made, written = by_task.get(task_id, []), events.get(task_id, [])
        for change, (event_id, event_type, key) in zip(made, written, strict=False):
            wanted = "task.created" if change[2] == "create" else "task.updated"
            if event_type != wanted or key != user_id(change[1]):
                outcome.unmatched += 1
                continue
            change_of[event_id] = change
        outcome.unmatched += abs(len(made) - len(written))

    user_events: dict[int, list[str]] = defaultdict(list)  # user number -> event ids in change order
    for event_id, change in sorted(change_of.items(), key=lambda item: item[1][0]):
        user_events[change[1]].append(event_id)
    connected = {index for result in results for index in result["connected"]}
    outcome.connected = len(connected)
    for result in results:
        outcome.refused.update(result["refused"])
        outcome.ended += len(result["ended"])
        outcome.broken.update(result["broken"])
        outcome.other_events.update(result["other_events"])
        outcome.lag_ms += [
            lag * 1000 for at, lag in result["lags"] if load["started"] <= at <= load["finished"]
        ]
    received: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    for result in results:
        for index, event_id, sse_id, at in result["deliveries"]:
            received[index].append((event_id, sse_id, at))
    outcome.delivered = sum(len(items) for items in received.values())
    for index in sorted(connected):
        number = index % phase.users
        own = user_events.get(number, [])
        outcome.expected += len(own)
        rank = {event_id: position for position, event_id in enumerate(own)}
        got: list[str] = []
        previous_sse: tuple[int, int] = (0, 0)
        rising = True
        for event_id, sse_id, at in received.get(index, []):
            millis, _, sequence = sse_id.partition("-")
            position = (int(millis), int(sequence)) if millis.isdigit() and sequence.isdigit() else (0, 0)
            rising = rising and position > previous_sse
            previous_sse = position
            matched = change_of.get(event_id)
            if matched is None:
                if event_id in event_user and event_user[event_id] != user_id(number):
                    outcome.foreign += 1
                else:
                    outcome.unknown += 1
                continue
            if matched[1] != number:
                outcome.foreign += 1
                continue
            got.append(event_id)
            sent, answered = matched[4], matched[5]
            outcome.latency_ms.append((at - sent) * 1000)
            outcome.upstream_ms.append((position[0] / 1000 - sent) * 1000)
            outcome.fanout_ms.append((at - position[0] / 1000) * 1000)
            if outcome.fanout_ms[-1] > SLOW_FANOUT_MS:
                outcome.slow_fanout_at[int(position[0] / 1000 - load["started"])] += 1
            outcome.before_answer += at < answered
        outcome.ids_not_rising += not rising
        unique = set(got)
        outcome.duplicates += len(got) - len(unique)
        outcome.missing += len(own) - len(unique & rank.keys())
        positions = [rank[event_id] for event_id in dict.fromkeys(got)]
        inversions = sum(1 for a, b in itertools.pairwise(positions) if b < a)
        outcome.out_of_order += inversions
        outcome.streams_out_of_order += inversions > 0
        outcome.exact_streams += got == own


# --- the orchestrator: output ---------------------------------------------------------------------------


def mib(kib: float) -> str:
    return f"{kib / 1024:,.1f} MiB"


def verdict(outcome: Outcome) -> str:
    if not outcome.latency_ms:
        return "no deliveries"
    return "met" if outcome.p99 < GOAL_P99_MS else "NOT met"


def report(outcome: Outcome, *, memory_from: int | None = None) -> None:
    phase = outcome.phase
    say(
        f"{phase.label}: {phase.streams:,} streams ({phase.streams / phase.users:g} per user, "
        f"{phase.users:,} users), {phase.rate:g} changes/s for {phase.seconds:g} s"
    )
    refused = f" ({dict(outcome.refused)} refused)" if outcome.refused else ""
    say(
        f"  streams: {outcome.connected:,} of {phase.streams:,} opened in {outcome.opened_in:.1f} s"
        f"{refused}; the server counted {outcome.server_open:,} open; live server CPU "
        f"{1e3 * outcome.open_cpu / max(outcome.connected, 1):.2f} ms per stream opened"
    )
    kinds = ", ".join(f"{kind} {outcome.kinds[kind]:,}" for kind in KINDS)
    failures = f"; failed: {dict(outcome.api_failures)}" if outcome.api_failures else ""
    say(
        f"  load: {len(outcome.behind):,} changes sent, {outcome.sent_rate:,.1f}/s ({phase.rate:g}/s "
        f"offered); {outcome.changes:,} answered 2xx ({kinds}){failures}; {outcome.api_retries} resent on "
        f"a closed keep-alive connection; {outcome.skipped:,} not sent (their turn came after the phase's "
        "end: the user's previous change had not been answered)"
    )
    say(f"  sent after due (the API falling behind the schedule):  {spread(outcome.behind)}")
    say(f"  API request (sent -> answer read):                     {spread(outcome.api_ms)}")
    say(
        f"  commit-to-client (API request sent -> stream got it): {spread(outcome.latency_ms)} over "
        f"{len(outcome.latency_ms):,} deliveries; goal p99 < {GOAL_P99_MS:.0f} ms: {verdict(outcome)}"
    )
    say(
        f"    of which sent -> XADD in Redis (API, outbox, relay, Kafka, bridge): "
        f"{spread(outcome.upstream_ms)}"
    )
    say(f"    of which XADD -> stream got it (live server fan-out, client):     {spread(outcome.fanout_ms)}")
    share = 100 * outcome.before_answer / len(outcome.latency_ms) if outcome.latency_ms else math.nan
    say(f"    {share:.0f}% of the deliveries reached the stream before the API's answer was read")
    slow = sum(outcome.slow_fanout_at.values())
    if slow:
        seconds = sorted(outcome.slow_fanout_at.items(), key=lambda item: -item[1])[:6]
        where = ", ".join(f"+{second} s: {count:,}" for second, count in sorted(seconds))
        say(
            f"    fan-out over {SLOW_FANOUT_MS:.0f} ms: {slow:,} deliveries; the busiest seconds of the load "
            f"(by XADD): {where}"
        )
    say(f"  stream holders' event-loop lag during the load:        {spread(outcome.lag_ms)}")
    say(
        f"  check: {outcome.expected:,} deliveries expected, {outcome.delivered:,} received; missing "
        f"{outcome.missing:,}, duplicates {outcome.duplicates:,}, out of order {outcome.out_of_order:,} (in "
        f"{outcome.streams_out_of_order:,} streams), of another user {outcome.foreign:,}, unknown "
        f"{outcome.unknown:,}; {outcome.exact_streams:,} of {outcome.connected:,} streams got exactly their "
        f"user's changes, once each, in order"
    )
    if outcome.straggler_wait:
        say(
            f"    (deliveries were missing when they stopped coming: waited {outcome.straggler_wait:.0f} s "
            f"more, until none came for {DRAIN_STALL_SECONDS:.0f} s, a hub refresh included; what never "
            "came is 'missing', what came late is in the latencies)"
        )
    ended = {reason: int(count) for reason, count in outcome.ended_by_server.items() if count}
    say(
        f"    SSE ids not rising in {outcome.ids_not_rising} streams; {outcome.unmatched} changes "
        f"without their outbox event; streams ended by the server {outcome.ended} "
        f"({ended or 'none counted'}), broken {dict(outcome.broken) or 'none'}; other events "
        f"{dict(outcome.other_events) or 'none'}"
    )
    if outcome.server_warnings:
        reasons = outcome.warning_reasons
        say(
            f"  live server: {len(outcome.server_warnings):,} warnings/errors in this phase "
            f"({dict(reasons.most_common(3))}); first: {outcome.server_warnings[0]}"
        )
    base = outcome.rss_before if memory_from is None else memory_from
    per_stream = (outcome.rss_open - base) / phase.streams if phase.streams else math.nan
    say(
        f"  memory: live server RSS {mib(base)} before -> {mib(outcome.rss_open)} with "
        f"{outcome.connected:,} open -> {mib(outcome.rss_after)} after the load: {per_stream:,.1f} KiB per "
        f"open stream; its threads: {outcome.threads_before:,} before, {outcome.threads_open:,} with the "
        "streams open, "
        + (
            f"back to {outcome.threads_left:,} {outcome.threads_settled_in:.1f} s after they closed"
            if not math.isnan(outcome.threads_settled_in)
            else f"still {outcome.threads_left:,} {THREADS_SETTLE_SECONDS:.0f} s after they closed"
        )
    )
    live, bridge = outcome.role_cpu("live server"), outcome.role_cpu("bridge")
    clients, generator = outcome.role_cpu("SSE clients"), outcome.role_cpu("load generator")
    window = outcome.window or math.nan
    per_message = 1e6 * live / outcome.delivered if outcome.delivered else math.nan
    per_change = 1e3 * bridge / outcome.changes if outcome.changes else math.nan
    say(
        f"  CPU: live server {live / window:.2f} cores = {per_message:,.0f} µs per delivered message; bridge "
        f"{bridge / window:.2f} cores = {per_change:.2f} ms per published change; stream holders "
        f"{clients / window:.2f} cores, load generator {generator / window:.2f} cores"
    )
    if outcome.cpu is not None:
        say(f"  {outcome.cpu.report()}")


STEP_HEADER = (
    f"    {'streams':>8}{'users':>7}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'fan-out p99':>12}{'API p99':>9}"
    f"{'KiB/stream':>11}{'live cores':>11}{'µs/msg':>8}{'machine':>8}  check"
)


def step_row(outcome: Outcome) -> str:
    live = outcome.role_cpu("live server")
    window = outcome.window or math.nan
    per_stream = (outcome.rss_open - outcome.rss_before) / outcome.phase.streams
    machine = outcome.cpu.machine / window if outcome.cpu else math.nan
    check = (
        "ok"
        if outcome.sound
        else (
            f"missing {outcome.missing}, dup {outcome.duplicates}, order {outcome.out_of_order}, foreign "
            f"{outcome.foreign}, refused {sum(outcome.refused.values())}, unmatched {outcome.unmatched}"
        )
    )
    return (
        f"    {outcome.phase.streams:>8,}{outcome.phase.users:>7,}"
        f"{percentile(outcome.latency_ms, 0.5):>8,.0f}{outcome.p99:>8,.0f}"
        f"{max(outcome.latency_ms, default=math.nan):>8,.0f}{outcome.fanout_p99:>12,.0f}"
        f"{percentile(outcome.api_ms, 0.99):>9,.0f}{per_stream:>11,.1f}{live / window:>11.2f}"
        f"{1e6 * live / max(outcome.delivered, 1):>8,.0f}{machine:>8.2f}  {check}"
    )


def summary(
    main_outcome: Outcome, baseline_rss: int, steps: list[Outcome], ceiling: int, step_seconds: float
) -> None:
    o = main_outcome
    phase = o.phase
    window = o.window or math.nan
    say("")
    say("summary (figures are measured, never asserted):")
    rows = [
        (
            "streams on one live-updates process",
            f"{phase.streams:,} ({phase.users:,} users x {phase.streams / phase.users:g})",
        ),
        (
            "changes offered / sent / answered 2xx",
            f"{phase.rate:g}/s / {o.sent_rate:,.1f}/s for {phase.seconds:g} s / {o.changes:,} answered",
        ),
        (
            "commit-to-client p50 / p99 / max",
            f"{percentile(o.latency_ms, 0.5):,.0f} / {o.p99:,.0f} / "
            f"{max(o.latency_ms, default=math.nan):,.0f} ms over {len(o.latency_ms):,} deliveries "
            f"(goal p99 < {GOAL_P99_MS:.0f} ms: {verdict(o)})",
        ),
        ("  of which XADD -> client p99", f"{percentile(o.fanout_ms, 0.99):,.0f} ms"),
        ("API request p50 / p99", f"{percentile(o.api_ms, 0.5):,.0f} / {percentile(o.api_ms, 0.99):,.0f} ms"),
        (
            "RSS per open stream",
            f"{(o.rss_open - baseline_rss) / phase.streams:,.1f} KiB ({mib(baseline_rss)} with 0 streams, "
            f"{mib(o.rss_open)} with {o.connected:,})",
        ),
        (
            "live server CPU per delivered message",
            f"{1e6 * o.role_cpu('live server') / max(o.delivered, 1):,.0f} µs "
            f"({o.role_cpu('live server') / window:.2f} cores for {o.delivered / window:,.0f} messages/s)",
        ),
        ("bridge CPU per published change", f"{1e3 * o.role_cpu('bridge') / max(o.changes, 1):.2f} ms"),
        (
            "live server CPU per stream opened",
            f"{1e3 * o.open_cpu / max(o.connected, 1):.2f} ms ({o.connected:,} opened in "
            f"{o.opened_in:.1f} s)",
        ),
        (
            "live server threads",
            f"{o.threads_before:,} with 0 streams, {o.threads_open:,} with {o.connected:,} open, "
            + (
                f"{o.threads_left:,} again {o.threads_settled_in:.1f} s after they closed"
                if not math.isnan(o.threads_settled_in)
                else f"still {o.threads_left:,} {THREADS_SETTLE_SECONDS:.0f} s after they closed"
            ),
        ),
        (
            "live server warnings/errors",
            f"{len(o.server_warnings):,} {dict(o.warning_reasons)}",
        ),
        (
            "client CPU: stream holders / generator",
            f"{o.role_cpu('SSE clients') / window:.2f} / {o.role_cpu('load generator') / window:.2f} cores",
        ),
        (
            "machine busy during the load",
            f"{o.cpu.machine / window:.2f} of {os.cpu_count()} cores" if o.cpu else "n/a",
        ),
        (
            "correctness",
            f"{o.exact_streams:,} of {phase.streams:,} streams exact; missing {o.missing}, duplicates "
            f"{o.duplicates}, out of order {o.out_of_order}, of another user {o.foreign}, "
            f"unknown {o.unknown}",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        say(f"  {name:<{width}}  {value}")
    say(
        f"  steps: {phase.streams / phase.users:g} streams per user (users scaled with the streams), "
        f"{phase.rate:g} changes/s, {step_seconds:g} s each (the first row is the main phase):"
    )
    say(STEP_HEADER)
    table = [o, *steps]
    for outcome in table:
        say(step_row(outcome))
    say(
        last_under(table, "end-to-end p99 (API request sent -> stream)", lambda outcome: outcome.p99, ceiling)
    )
    say(
        last_under(
            table, "fan-out p99 (XADD -> stream), the live server's own", lambda o: o.fanout_p99, ceiling
        )
    )


def last_under(table: list[Outcome], name: str, figure: Callable[[Outcome], float], ceiling: int) -> str:
    """Which step was the last under the goal by `figure`, before the first over it (or a lossy one)."""
    good = [outcome.sound and figure(outcome) < GOAL_P99_MS for outcome in table]
    first_over = good.index(False) if False in good else len(table)
    if first_over == 0:
        first = table[0]
        why = f"{figure(first):,.0f} ms" if first.sound else "messages or streams lost"
        return f"  {name}: over the goal already at {first.phase.streams:,} streams ({why})"
    last = table[first_over - 1]
    line = f"  {name}: last step under {GOAL_P99_MS:.0f} ms: {last.phase.streams:,} streams "
    line += f"({figure(last):,.0f} ms)"
    if first_over == len(table):
        return line + (
            f"; never over up to the largest step run, {last.phase.streams:,} (the ceiling of this run; the "
            f"file descriptors would allow about {ceiling:,})"
        )
    over = table[first_over]
    why = f"{figure(over):,.0f} ms" if over.sound else "messages or streams lost (see its row)"
    return line + f"; at {over.phase.streams:,}: {why}"


# --- main -----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--streams", type=int, default=1_000, help="streams of the main phase")
    parser.add_argument("--users", type=int, default=100, help="users of the main phase")
    parser.add_argument("--rate", type=float, default=200.0, help="task changes per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the main phase's load")
    parser.add_argument(
        "--steps", default="2000,4000,8000", help="stream counts to step through ('' for none)"
    )
    parser.add_argument("--step-seconds", type=float, default=16.0, help="length of each step's load")
    parser.add_argument("--clients", type=int, default=2, help="stream-holder processes")
    parser.add_argument(
        "--redis-max-connections",
        type=int,
        help="size of the live server's Redis pool (`?max_connections=` in LIVE_UPDATES_REDIS_URL); "
        "default: the server's own (streams.ASYNC_POOL_SIZE, waiting for a free connection)",
    )
    # The roles this script plays in its own subprocesses.
    parser.add_argument("--role", choices=("streams", "load"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


def cleanup(what: str, step: Any) -> None:
    try:
        step()
    except Exception as error:  # the stack is shared and may be restarting: report, go on cleaning
        say(f"could not clean up {what}: {error!r}")


def orchestrate(args: argparse.Namespace) -> None:
    live_url = LIVE_REDIS_URL
    if args.redis_max_connections:
        live_url += f"?max_connections={args.redis_max_connections}"
    use_environment(
        BENCH_DB,
        topic_prefix="bench-live-",
        broker=BROKER_URL,
        LIVE_UPDATES_REDIS_URL=live_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    import django

    stop_on_sigterm()
    started = time.monotonic()
    ceiling = raise_file_limit() - 100
    steps = [int(value) for value in args.steps.split(",") if value.strip()]
    per_user = args.streams / args.users
    step_phases = [
        Phase(f"step {streams:,}", streams, max(1, round(streams / per_user)), args.rate, args.step_seconds)
        for streams in steps
        if streams <= ceiling
    ]
    users = max([args.users, *(phase.users for phase in step_phases)])
    say(
        f"live updates benchmark on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at start); "
        f"database {BENCH_DB}, topics {os.environ['KAFKA_TOPIC_PREFIX']}*, live updates {live_url}, "
        f"Celery broker {BROKER_URL}; file descriptors {ceiling + 100:,}"
    )
    say(
        "bound: the cores are shared by PostgreSQL, Kafka, Redis, gunicorn, the relay, the bridge, the live "
        "server, the stream holders and the load generator, and whatever else runs on the machine"
    )
    ensure_database(BENCH_DB)
    django.setup()
    from workers.kafka.topics import topics_ensure

    brokers = [redis.Redis.from_url(BROKER_URL), redis.Redis.from_url(LIVE_REDIS_URL)]
    for client in brokers:
        client.flushdb()
    scratch = Path(tempfile.mkdtemp(prefix="bench-live-"))
    processes: list[Process] = []
    try:
        with psycopg.connect(BENCH_DSN, autocommit=True, application_name="bench-live-probe") as probe:
            reset_database(probe)
            seed(probe, users)
            topics_ensure()
            stack = start_stack(processes)
            say(
                f"system up after {time.monotonic() - started:.1f} s: {users:,} users with {SEEDED_TASKS} "
                f"open tasks each; gunicorn {' '.join(GUNICORN_ARGS[:-2])}, one live-updates server, "
                f"{args.clients} stream-holder processes, one load generator"
            )
            warm = Phase("warm-up", WARMUP_STREAMS, min(args.users, 10), args.rate, WARMUP_SECONDS)
            warmed = run_phase(stack, warm, probe, scratch, 1, seed=1)
            say(
                f"warm-up: {warmed.connected} streams, {warmed.changes} changes, p99 {warmed.p99:,.0f} ms "
                f"(not counted)"
            )
            wait(lambda: stack.open_streams() == 0, 30)
            time.sleep(1.0)
            baseline_rss = tree_rss_kib(stack.live.pid)
            main_phase = Phase("main", args.streams, args.users, args.rate, args.seconds)
            main_outcome = run_phase(stack, main_phase, probe, scratch, args.clients, seed=2)
            report(main_outcome, memory_from=baseline_rss)
            # The steps go on while every message arrives exactly once and the live server's own share
            # (XADD -> stream) stays under the goal: the end-to-end figure also carries the API, the relay,
            # Kafka and the bridge, which the number of streams does not change.
            done: list[Outcome] = []
            if main_outcome.sound and main_outcome.fanout_p99 < GOAL_P99_MS:
                for number, phase in enumerate(step_phases, start=3):
                    if phase.streams <= args.streams:
                        continue
                    try:
                        outcome = run_phase(stack, phase, probe, scratch, args.clients, seed=number)
                    except Exception as error:  # a step the system could not take: say so, keep the rest
                        say(f"{phase.label}: did not complete ({error}); the steps end here")
                        break
                    report(outcome)
                    done.append(outcome)
                    if not (outcome.sound and outcome.fanout_p99 < GOAL_P99_MS):
                        break
            else:
                say("steps skipped: the main phase lost messages or its fan-out p99 missed the goal")
            summary(main_outcome, baseline_rss, done, ceiling, args.step_seconds)
            say(f"load average at the end {os.getloadavg()[0]:.1f}")
            for process in stack.processes:
                process.say_problems()
    finally:
        for process in reversed(processes):
            process.stop()
        cleanup("Kafka topics and consumer group", lambda: drop_kafka_state(consumer_group="task-updates"))
        for client in brokers:
            cleanup(f"Redis {client}", client.flushdb)
        shutil.rmtree(scratch, ignore_errors=True)
        say(f"total {time.monotonic() - started:.0f} s")


def main() -> None:
    args = parse_args()
    if args.role == "streams":
        uvloop.run(streams_role(args))
    elif args.role == "load":
        uvloop.run(load_role(args))
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
