"""The liveness heartbeat of the processes without an HTTP server (workers/liveness.py), and its probe.

The processes run for real (relay, a bridge, a Celery worker and beat, as the Procfile starts them); the
probe is the command Kubernetes runs (`python -m workers.liveness`, helm/todo)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.processes import ManagedProcess, celery_worker, process_env
from tests.support.procfile import procfile_command
from tests.support.waiting import wait_for
from workers.liveness import DEFAULT_MAX_AGE_SECONDS, TOUCH_EVERY_SECONDS, Heartbeat


def probe(file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.liveness", "--file", str(file), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_heartbeat_touches_its_file_at_most_every_few_seconds(tmp_path: Path):
    file = tmp_path / "alive"
    beat = Heartbeat(file)
    beat.beat()
    first = file.stat().st_mtime_ns
    os.utime(file, ns=(first - 10**9, first - 10**9))  # as if touched a second earlier
    beat.beat()  # within TOUCH_EVERY_SECONDS of the last beat: not touched again
    assert file.stat().st_mtime_ns == first - 10**9
    Heartbeat(None).beat()  # no file configured: nothing happens, nothing fails


def test_a_heartbeat_that_cannot_write_does_not_stop_its_process(tmp_path: Path):
    Heartbeat(tmp_path / "missing-directory" / "alive").beat()  # logged, not raised


@pytest.mark.processes
def test_the_probe_passes_a_fresh_file_and_fails_an_old_or_missing_one(tmp_path: Path):
    file = tmp_path / "alive"
    file.touch()
    assert probe(file).returncode == 0
    old = time.time() - DEFAULT_MAX_AGE_SECONDS - 5
    os.utime(file, (old, old))
    result = probe(file)  # the default age, as the chart's probe runs it
    assert result.returncode == 1
    assert "was last touched 65 s ago (more than 60 s)" in result.stderr
    assert probe(file, "--max-age", "120").returncode == 0
    result = probe(tmp_path / "never-written")
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "workers.liveness"],
        cwd=ROOT,
        env={name: value for name, value in os.environ.items() if name != "LIVENESS_FILE"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "LIVENESS_FILE" in result.stderr


@pytest.mark.processes
def test_every_process_without_http_keeps_its_file_fresh_until_its_loop_stops(
    tmp_path: Path, kafka_topics: str
):
    files = {name: tmp_path / f"{name}.alive" for name in ("relay", "bridge", "worker", "beat")}
    processes = {
        "relay": ManagedProcess("liveness-relay", command=procfile_command("relay")),
        "bridge": ManagedProcess("liveness-bridge", command=procfile_command("bridge-recurrence")),
        "worker": celery_worker("liveness-worker", queues="liveness-test"),
        "beat": ManagedProcess("liveness-beat", command=procfile_command("beat")),
    }
    for name, process in processes.items():
        process.env = process_env(**{**process.env, "LIVENESS_FILE": str(files[name])})
    try:
        for process in processes.values():
            process.start()
        for name, process in processes.items():
            process.wait_until(files[name].exists, f"its liveness file ({name})", timeout=60)
        touched = {name: file.stat().st_mtime for name, file in files.items()}
        time.sleep(TOUCH_EVERY_SECONDS + 2)
        for name, file in files.items():
            assert file.stat().st_mtime > touched[name], f"{name} did not touch its file again"
            assert probe(file).returncode == 0, name

        # A worker whose main loop is stuck (stopped here) stops touching its file; the others go on.
        worker = processes["worker"]
        os.kill(worker.pid, signal.SIGSTOP)
        try:
            max_age = str(2 * TOUCH_EVERY_SECONDS)
            wait_for(
                lambda: probe(files["worker"], "--max-age", max_age).returncode == 1,
                timeout=30,
                message="the stopped worker's probe to fail",
            )
            for name in ("relay", "bridge", "beat"):
                assert probe(files[name], "--max-age", max_age).returncode == 0, name
        finally:
            os.kill(worker.pid, signal.SIGCONT)
    finally:
        for process in processes.values():
            process.stop()
