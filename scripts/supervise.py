#!/usr/bin/env python3
"""Runs every Procfile entry in the foreground, restarts whichever exits, and stops them all on Ctrl-C.

Usage: scripts/supervise.py [PROCFILE]   (`make run`; standard library only)

Like honcho and foreman, it reads `.env` beside the Procfile (`KEY=VALUE` lines) into the processes'
environment; a variable already set in its own environment wins. Django reads `.env` itself, Next.js does
not: this is how the UI gets its secret.

Locally this plays the part Kubernetes plays in production, where each Procfile entry is a Deployment: a
process that exits (a crash, `kill -9`, a Celery worker giving up on its broker) is started again after a
backoff (1 s doubling to 30 s, back to 1 s once it ran a minute), like a pod's `restartPolicy: Always`, and
never takes the others with it. honcho, which ran `make run` before, stops everything when one process
exits. supervisord restarts, but it would need the Procfile copied into its own config, writes a log file
per program instead of one prefixed stream, and marks a program FATAL (never started again) after a few
quick failures, which is exactly what happens while a dependency is down. So this is a small loop with
honcho's output: one interleaved stream, each line prefixed with the time and the process name.

Each process runs in its own session (`sh -c 'exec COMMAND'`, so the command is the session leader).
SIGINT or SIGTERM sends SIGTERM to every process (gunicorn and Celery stop their own children), waits up to
30 s, then kills what is left. After a process exits, whatever it left behind in its session (e.g. Celery
pool processes of a killed worker) is killed before it is started again.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BACKOFF_INITIAL = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0  # a process that ran this long starts the next backoff from the beginning
STOP_TIMEOUT = 30.0  # above gunicorn's --graceful-timeout and Celery's warm shutdown of short tasks
MAX_LINE = 1 << 20
COLOURS = ("36", "33", "32", "35", "34", "91", "96", "93", "92", "95", "94")


@dataclass
class Entry:
    name: str
    command: str
    colour: str = ""
    pid: int | None = None


def parse_procfile(text: str) -> list[Entry]:
    """`name: command` lines; blank lines and `#` comments are skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, command = line.partition(":")
        if not separator or not name.strip() or not command.strip():
            raise ValueError(f"Procfile line {number} is not `name: command`: {line!r}")
        entries.append(Entry(name.strip(), command.strip()))
    if len({entry.name for entry in entries}) != len(entries):
        raise ValueError("Procfile names must be unique")
    return entries


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines of a dotenv file (no quoting, no expansion); a missing file is empty."""
    values = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            key, separator, value = line.partition("=")
            if separator and key.strip() and not key.lstrip().startswith("#"):
                values[key.strip()] = value.strip()
    return values


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


class Supervisor:
    def __init__(self, entries: list[Entry], *, colour: bool, env: dict[str, str] | None = None) -> None:
        self.entries = entries
        self.env = {**(env or {}), **os.environ, "PYTHONUNBUFFERED": "1"}
        self.width = max(len(entry.name) for entry in [*entries, Entry("supervisor", "")])
        if colour:
            for index, entry in enumerate(entries):
                entry.colour = COLOURS[index % len(COLOURS)]
        self.stopping = asyncio.Event()

    def say(self, name: str, line: str, colour: str = "") -> None:
        prefix = f"{time.strftime('%H:%M:%S')} {name.ljust(self.width)} |"
        if colour:
            prefix = f"\033[{colour}m{prefix}\033[0m"
        sys.stdout.write(f"{prefix} {line}\n")
        sys.stdout.flush()

    def log(self, message: str) -> None:
        self.say("supervisor", message)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._request_stop, signum)
        await asyncio.gather(*(self._keep_running(entry) for entry in self.entries))
        self.log("all processes stopped")
        return 0

    def _request_stop(self, signum: int) -> None:
        if self.stopping.is_set():
            self.log(f"{signal.Signals(signum).name} again: killing every process now")
            for entry in self.entries:
                self._kill_session(entry)
            return
        self.log(f"{signal.Signals(signum).name} received: stopping every process")
        self.stopping.set()

    async def _keep_running(self, entry: Entry) -> None:
        backoff = BACKOFF_INITIAL
        while not self.stopping.is_set():
            started = time.monotonic()
            returncode = await self._run_once(entry)
            if self.stopping.is_set():
                self.say(entry.name, f"stopped ({describe_exit(returncode)})", entry.colour)
                return
            ran = time.monotonic() - started
            if ran >= STABLE_AFTER:
                backoff = BACKOFF_INITIAL
            exited = describe_exit(returncode)
            self.log(f"{entry.name} {exited} after {ran:.1f}s; restarting in {backoff:.0f}s")
            with contextlib.suppress(TimeoutError):  # the backoff ends early when everything stops
                await asyncio.wait_for(self.stopping.wait(), timeout=backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def _run_once(self, entry: Entry) -> int:
        loop = asyncio.get_running_loop()
        transport, output = await loop.subprocess_exec(
            lambda: Output(lambda line: self.say(entry.name, line, entry.colour)),
            "/bin/sh",
            "-c",
            f"exec {entry.command}",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=self.env,
        )
        entry.pid = transport.get_pid()
        self.say(entry.name, f"started (pid {entry.pid}): {entry.command}", entry.colour)
        try:
            exited = asyncio.create_task(output.exited.wait())
            stop = asyncio.create_task(self.stopping.wait())
            await asyncio.wait({exited, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not exited.done():
                await self._stop(entry, exited)
            # What the process left in its session goes with it; then its output ends.
            self._kill_session(entry)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(output.closed.wait(), timeout=5)
            returncode = transport.get_returncode()
            return -signal.SIGKILL if returncode is None else returncode
        finally:
            transport.close()

    async def _stop(self, entry: Entry, exited: "asyncio.Task[bool]") -> None:
        assert entry.pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(entry.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(exited), timeout=STOP_TIMEOUT)
        except TimeoutError:
            self.log(f"{entry.name} did not stop within {STOP_TIMEOUT:.0f}s; killing it")
            self._kill_session(entry)
            await exited

    def _kill_session(self, entry: Entry) -> None:
        if entry.pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left of the session
            os.killpg(entry.pid, signal.SIGKILL)


class Output(asyncio.SubprocessProtocol):
    """A child's output, line by line; `exited` is set when the child exits, even while a process it left
    behind keeps the pipe open (asyncio's Process.wait() would wait for the pipe too)."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self.emit = emit
        self.buffer = b""
        self.exited = asyncio.Event()
        self.closed = asyncio.Event()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        *lines, self.buffer = (self.buffer + data).split(b"\n")
        if len(self.buffer) > MAX_LINE:  # no newline in sight: show what there is
            lines.append(self.buffer)
            self.buffer = b""
        for line in lines:
            self.emit(line.decode("utf-8", errors="replace").rstrip("\r"))

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if self.buffer:
            self.emit(self.buffer.decode("utf-8", errors="replace"))
            self.buffer = b""

    def process_exited(self) -> None:
        self.exited.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()  # the process exited and its pipe is closed


def main(argv: list[str]) -> int:
    procfile = Path(argv[1] if len(argv) > 1 else "Procfile")
    try:
        entries = parse_procfile(procfile.read_text())
    except (OSError, ValueError) as error:
        print(f"supervise: {error}", file=sys.stderr)
        return 2
    if not entries:
        print(f"supervise: no processes in {procfile}", file=sys.stderr)
        return 2
    supervisor = Supervisor(
        entries,
        colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
        env=read_env_file(procfile.parent / ".env"),
    )
    return asyncio.run(supervisor.run())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
