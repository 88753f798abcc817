"""Starting the project's long-running commands as real subprocesses against the test database."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".cache" / "logs" / "tests"


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class ManagedProcess:
    """A process in its own process group, logging to .cache/logs/tests/<name>.log.

    `ManagedProcess(name, *args)` runs `manage.py args`; `celery_worker()` runs a Celery worker.
    """

    def __init__(
        self, name: str, *args: str, env: dict[str, str] | None = None, command: list[str] | None = None
    ) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOGS / f"{name}.log"
        self.args = command or [sys.executable, str(ROOT / "manage.py"), *args]
        self.env = env or process_env()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path.write_bytes(b"")  # restarts append; a new test starts a new log

    def start(self) -> "ManagedProcess":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """`kill -9` of the whole process group: no clean-up of any kind."""
        if self.running:
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM and wait; SIGKILL when it does not stop in time. Returns the exit code."""
        if self.process is None:
            return None
        if self.running:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.1, message: str = ""
) -> None:
    """Poll `condition` until it holds; fail with `message` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")


def celery_worker(name: str, *, queues: str, include: str = "", **env: str) -> ManagedProcess:
    """A Celery worker of the project (prefork, two processes) on the test broker and database."""
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "todo_project",
        "worker",
        "-Q",
        queues,
        "-c",
        "2",
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
    ]
    if include:
        command += ["-I", include]
    return ManagedProcess(name, command=command, env=process_env(**env))


def celery_beat(schedule: Path, **env: str) -> ManagedProcess:
    """Celery beat with the project's schedule (settings' CELERY_BEAT_SCHEDULE) kept in a file, not the
    database: the test database is emptied between tests."""
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "todo_project",
        "beat",
        "-S",
        "celery.beat:PersistentScheduler",
        "-s",
        str(schedule),
        "-l",
        "info",
    ]
    return ManagedProcess("beat", command=command, env=process_env(**env))


def wait_for_log(process: ManagedProcess, text: str, *, timeout: float = 30) -> None:
    wait_for(lambda: text in process.log(), timeout=timeout, message=f"{text!r} in {process.name}'s log")
