"""The machine's shared PostgreSQL, Redis and Kafka, stopped and started through the project's own scripts.

A test that stops one of them stops it for everything else on the machine too (a `make run`, another
checkout's tests): such tests are marked `stops_services` (see tests/conftest.py) and must not run next to
anything that uses the stack.
"""

import socket
import subprocess

from tests.support.paths import ROOT


class Stack:
    """Starts and stops services of the local stack through scripts/<service>.sh."""

    def port_open(self, port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    def run(self, service: str, verb: str) -> None:
        subprocess.run(
            ["bash", str(ROOT / "scripts" / f"{service}.sh"), verb],
            check=True,
            capture_output=True,
            timeout=180,
        )
