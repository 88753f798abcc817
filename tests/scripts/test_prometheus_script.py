"""scripts/prometheus.sh, the Prometheus of `make observe`: Debian's binary with the project's config (a
target for every process that serves metrics, the alert rules), on loopback only; `status` tells, `down`
stops it."""

import json
import os
import socket
import subprocess
import urllib.request
from typing import Any

import pytest

from tests.support.paths import ROOT
from tests.support.ports import free_port
from tests.support.procfile import procfile
from tests.support.prometheus import alert_rules, recorded_names
from tests.support.waiting import wait_for

SCRIPT = ROOT / "scripts" / "prometheus.sh"

pytestmark = pytest.mark.processes


def api(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/{path}", timeout=5) as response:
        return json.loads(response.read())["data"]


def reachable_at(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((address, port)) == 0


def test_up_serves_the_projects_config_on_loopback_and_down_stops_it(tmp_path):
    port = free_port()
    # A port and a cache of its own: a `make observe` on this machine keeps its Prometheus.
    env = {**os.environ, "PROMETHEUS_PORT": str(port), "TODO_STACK_DIR": str(tmp_path)}

    def run(verb: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(SCRIPT), verb], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    up = run("up")
    try:
        status = run("status")
        wait_for(lambda: api(port, "targets")["activeTargets"], timeout=20, message="the targets")
        targets = api(port, "targets")["activeTargets"]
        rules = [rule["name"] for group in api(port, "rules")["groups"] for rule in group["rules"]]
        elsewhere = reachable_at("127.0.0.2", port)
    finally:
        down = run("down")
    after = run("status")

    assert up.returncode == 0, up.stdout + up.stderr
    assert f"up on http://127.0.0.1:{port}/" in up.stdout
    assert status.returncode == 0
    assert {target["labels"]["process"] for target in targets} == set(procfile()) - {"flower", "ui"}
    assert sorted(rules) == sorted([rule["alert"] for rule in alert_rules()] + list(recorded_names()))
    assert not elsewhere  # loopback only
    assert (tmp_path / "prometheus" / "data").is_dir()
    assert down.returncode == 0
    assert after.returncode == 1
    assert not reachable_at("127.0.0.1", port)
