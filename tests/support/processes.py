"""Long-running commands as real subprocesses: the project's processes against the test database for the
tests, and any command for the benchmarks (bench/harness.py builds on `ManagedProcess`).

Nothing here configures Django: the settings are read only by the helpers that name the test database.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from tests.support.paths import LOGS, ROOT
from tests.support.waiting import wait_for

CELERY = Path(sys.executable).parent / "celery"


def test_database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LIVE_UPDATES_REDIS_URL": settings.LIVE_UPDATES_REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class ManagedProcess:
    """A process in its own process group, logging to `<logs>/<name>.log` (.cache/logs/tests by default).

    `ManagedProcess(name, *args)` runs `manage.py args` with `process_env()`; `command=` runs anything else.
    It can be started again after it stopped or was killed (the log is appended to).
    """

    def __init__(
        self,
        name: str,
        *args: str,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
        logs: Path = LOGS,
    ) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = logs / f"{name}.log"
        self.args = command or [sys.executable, str(ROOT / "manage.py"), *args]
        self.env = env if env is not None else process_env()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path.write_bytes(b"")  # restarts append; a new one starts a new log

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
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until(self, ready: Callable[[], bool], what: str, *, timeout: float = 30) -> None:
        """Return once `ready()`; fail as soon as the process has exited, or at the deadline."""

        def ready_or_exited() -> bool:
            if ready():
                return True
            if not self.running:
                returncode = self.process.returncode if self.process else None
                raise AssertionError(f"{self.name} exited ({returncode}) before {what}; see {self.log_path}")
            return False

        wait_for(ready_or_exited, timeout=timeout, message=f"{what} from {self.name}; see {self.log_path}")

    def kill(self) -> None:
        """`kill -9` of the whole process group: no clean-up of any kind."""
        if self.running:
            assert self.process is not None
            self._signal_group(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM to the group and wait; SIGKILL when it does not stop in time. Returns the exit code."""
        if self.process is None:
            return None
        if self.running:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def _signal_group(self, signum: signal.Signals) -> None:
        with suppress(ProcessLookupError):  # exited (and its group with it) since we looked
            os.killpg(self.pid, signum)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def celery_worker(
    name: str, *, queues: str, include: str = "", metrics_port: str = "", **env: str
) -> ManagedProcess:
    """A Celery worker of the project (prefork, two processes) on the test broker and database; with
    `metrics_port`, serving its metrics there (as the Procfile's workers do)."""
    command = _celery(
        "worker", "-Q", queues, "-c", "2", "-n", f"{name}@%h", "--without-gossip", "--without-mingle"
    )
    if include:
        command += ["-I", include]
    if metrics_port:
        command += ["--metrics-port", metrics_port]
    return ManagedProcess(name, command=command, env=process_env(**env))


def celery_beat(schedule: Path, **env: str) -> ManagedProcess:
    """Celery beat with the project's schedule (settings' CELERY_BEAT_SCHEDULE) kept in a file, not the
    database: the test database is emptied between tests."""
    command = _celery("beat", "-S", "celery.beat:PersistentScheduler", "-s", str(schedule))
    return ManagedProcess("beat", command=command, env=process_env(**env))


def _celery(*args: str) -> list[str]:
    return [str(CELERY), "-A", "todo_project", *args, "-l", "info"]


def wait_for_log(process: ManagedProcess, text: str, *, timeout: float = 30) -> None:
    """Wait until `text` is in the process's log; fail early when the process has exited."""
    process.wait_until(lambda: text in process.log(), repr(text), timeout=timeout)
