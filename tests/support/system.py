"""The whole system for tests: every Procfile process as a real subprocess, on free ports, against the test
database, Redis database and Kafka topics, restarted when it dies (as the supervisor does for `make run`)."""

import os
import secrets
import shlex
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg

from tests.support.paths import ROOT
from tests.support.ports import free_port, free_ports
from tests.support.processes import ManagedProcess, process_env, test_database_url
from tests.support.procfile import procfile
from tests.support.smtp import SmtpSink
from tests.support.waiting import wait_for
from todo_project.worker_metrics import worker_metrics_dir

FRONTEND = ROOT / "frontend"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own servers
            return bool(response.status == 200)
    except OSError:
        return False


def prepare_auth_schema() -> None:
    """Better Auth's tables in the test database (schema `auth`), as `make setup` makes them locally, and
    none of an earlier run's rows: each System's UI has a secret of its own, and a key set (`auth.jwks`)
    encrypted with an earlier run's secret fails every token request ("Failed to decrypt private key").
    The reused test database keeps schema `auth`: Django flushes only its own tables."""
    subprocess.run(
        ["npm", "run", "--silent", "migrate:auth"],
        cwd=FRONTEND,
        env={**os.environ, "DATABASE_URL": test_database_url()},
        check=True,
        capture_output=True,
        timeout=120,
    )
    with psycopg.connect(test_database_url(), autocommit=True) as connection:
        connection.execute('TRUNCATE auth.jwks, auth.session, auth.account, auth.verification, auth."user"')


class System:
    """The Procfile's processes but those in `skip`, logging to .cache/logs/tests/<prefix>-<name>.log.

    The UI (when not skipped) gets its own port, the test database and a secret of its own; the API trusts
    its keys (`JWKS_URL`) and its links point at it (`PUBLIC_BASE_URL`). Every process that serves metrics
    does on free ports (`metrics_ports`: a port per gunicorn worker for `web`, `--metrics-port` for others).
    """

    def __init__(
        self,
        smtp: SmtpSink,
        *,
        prefix: str,
        skip: Iterable[str] = ("flower",),
        env: dict[str, str] | None = None,
    ) -> None:
        self.api_port = free_port()
        self.live_port = free_port()
        self.ui_port = free_port()
        entries = {name: command for name, command in procfile().items() if name not in set(skip)}
        web = shlex.split(entries.get("web", "--workers 1"))
        web_metrics = free_ports(int(web[web.index("--workers") + 1]))
        env = process_env(
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
            JWKS_URL=f"{self.ui_url}/api/auth/jwks",
            PUBLIC_BASE_URL=self.ui_url,
            # The UI's own: Next.js serves it, the API never sees it.
            UI_AUTH_SECRET=secrets.token_urlsafe(32),
            API_ORIGIN=self.url(""),
            LIVE_ORIGIN=self.live_url(""),
            BETTER_AUTH_URL=self.ui_url,
            PORT=str(self.ui_port),
            AUTH_RATE_LIMIT="false",  # one address signs in many times
            METRICS_PORT_RANGE=f"{web_metrics.start}-{web_metrics.stop - 1}",
            **(env or {}),
        )
        self.processes: dict[str, ManagedProcess] = {}
        self.metrics_ports: dict[str, list[int]] = {"web": list(web_metrics)} if "web" in entries else {}
        for name, command in entries.items():
            args = shlex.split(command)
            for flag, value in (
                ("--bind", f"127.0.0.1:{self.api_port}"),
                ("--port", str(self.live_port)),
                ("--metrics-port", str(free_port())),
            ):
                if flag in args:
                    args[args.index(flag) + 1] = value
            if "--metrics-port" in args:
                self.metrics_ports[name] = [int(args[args.index("--metrics-port") + 1])]
            self.processes[name] = ManagedProcess(f"{prefix}-{name}", command=args, env=env)
        self.unexpected_exits: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._watchdog = threading.Thread(target=self._restart_the_dead, daemon=True)

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.api_port}{path}"

    def live_url(self, path: str) -> str:
        """The live-updates server's (`GET /api/{user_id}/events`)."""
        return f"http://127.0.0.1:{self.live_port}{path}"

    def start(self) -> None:
        for process in self.processes.values():
            process.start()
        self._watchdog.start()
        wait_for(
            lambda: answers(self.url("/health/ready")), timeout=90, interval=0.5, message="the API ready"
        )
        if "ui" in self.processes:
            wait_for(lambda: answers(f"{self.ui_url}/sign-in"), timeout=90, interval=0.5, message="the UI")

    def _restart_the_dead(self) -> None:
        """What the supervisor does for `make run`: a process that exits is started again."""
        while not self._stop.wait(0.5):
            with self._lock:
                for name, process in self.processes.items():
                    if process.process is not None and not process.running:
                        self.unexpected_exits.append(f"{name} (rc={process.process.returncode})")
                        process.start()

    def kill(self, name: str, *, down_for: float = 1.0) -> None:
        """`kill -9` of the process (and its children); started again `down_for` seconds later."""
        with self._lock:
            self.processes[name].kill()
            time.sleep(down_for)
            self.processes[name].start()

    def stop(self) -> None:
        self._stop.set()
        self._watchdog.join(5)
        for process in self.processes.values():
            process.stop()
        for ports in self.metrics_ports.values():  # the Celery workers' metrics directories
            shutil.rmtree(worker_metrics_dir(ports[0]), ignore_errors=True)


@contextmanager
def running_system(
    smtp: SmtpSink, *, prefix: str, skip: Iterable[str] = ("flower", "ui"), env: dict[str, str] | None = None
) -> Iterator[System]:
    """A started `System` (by default without the UI and Flower), stopped when the block ends."""
    running = System(smtp, prefix=prefix, skip=skip, env=env)
    try:
        running.start()
        yield running
    finally:
        running.stop()
