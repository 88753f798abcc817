"""The API under gunicorn as `make run` starts it (`todo_project.wsgi`), on free loopback ports, for tests."""

import http.client
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.ports import free_ports
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import wait_for

# What the test runner's environment must not hand to a server that is to load like `make run`: the
# suite's own secrets and settings module, and any choice `make run` does not make.
NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "BETTER_AUTH_SECRET",
    "TEST_DJANGO_SECRET_KEY",
    "TEST_BETTER_AUTH_SECRET",
    "JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "METRICS_ADDRESS",
    "METRICS_PORT_RANGE",
}


def make_run_env(**extra: str) -> dict[str, str]:
    """The environment of `make run`'s web process, on the suite's database and broker: the secrets come
    from the generated .env only. `extra` adds variables (an empty value masks the .env's)."""
    inherited = {key: value for key, value in process_env().items() if key not in NOT_INHERITED}
    return {**inherited, "METRICS_PORT_RANGE": "", **extra}


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1, name: str = "gunicorn") -> Iterator[int]:
    """gunicorn serving `todo_project.wsgi` as the Procfile's `web` does; yields its port."""
    # Never the developer's database: the test database exists only once a test asked for `db`.
    assert env["DATABASE_URL"].rsplit("/", 1)[1].startswith("test_"), "request the db fixture first"
    [port] = free_ports(1)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "todo_project.wsgi",
        "-c",
        "python:todo_project.gunicorn_conf",
        "--access-logfile",
        "-",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        "2",
    ]
    process = ManagedProcess(name, command=command, env=env).start()
    try:
        wait_for(
            lambda: listening(port) or not process.running,
            timeout=60,
            message=f"gunicorn listening on {port}",
        )
        assert process.running, process.log()
        yield port
    finally:
        process.stop()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class KeepAliveClient:
    """Many requests over one connection (gthread keeps it open), reconnecting when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str, headers: dict[str, str]) -> int:
        for attempt in range(2):
            try:
                self.connection.request("GET", path, headers=headers)
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def env_file_value(path: Path, name: str) -> str:
    """A value of the generated .env, read the way the settings read it (first assignment wins)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and key == name:
            return value.strip().strip("'\"")
    raise AssertionError(f"{name} is not in {path}")
