"""scripts/supervise.py, the supervisor of `make run`: restarts what exits, never stops the others."""

import importlib.util
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.processes import ManagedProcess
from tests.support.waiting import wait_for

SUPERVISE = ROOT / "scripts" / "supervise.py"

# Each child writes its pid (and the pid of a grandchild in its session) and then waits to be stopped.
CHILD = (
    "import os, subprocess, sys, time; "
    "grandchild = subprocess.Popen(['sleep', '600']); "
    "open(sys.argv[1], 'w').write(f'{os.getpid()} {grandchild.pid}'); "
    "time.sleep(600)"
)


def load_supervise():
    spec = importlib.util.spec_from_file_location("supervise", SUPERVISE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: its parent has not reaped it yet.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ", 1)[1][0] != "Z"


def pids(path: Path) -> tuple[int, int] | None:
    text = path.read_text() if path.exists() else ""
    if not text:
        return None
    child, grandchild = text.split()
    return int(child), int(grandchild)


def test_the_procfile_is_what_the_supervisor_runs():
    entries = load_supervise().parse_procfile((ROOT / "Procfile").read_text())
    names = [entry.name for entry in entries]
    assert {"web", "relay", "bridge-recurrence", "worker", "worker-deliveries", "beat"} <= set(names)


def test_a_malformed_procfile_is_refused():
    with pytest.raises(ValueError, match="line 2"):
        load_supervise().parse_procfile("web: gunicorn\nno command here\n")


@pytest.mark.processes
def test_a_killed_child_is_restarted_alone_and_sigterm_stops_everything(tmp_path):
    names = ["one", "two", "three"]
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "".join(f'{name}: {sys.executable} -c "{CHILD}" {tmp_path / name}.pid\n' for name in names)
    )
    supervisor = ManagedProcess("supervise", command=[sys.executable, str(SUPERVISE), str(procfile)]).start()
    files = {name: tmp_path / f"{name}.pid" for name in names}
    try:
        wait_for(lambda: all(pids(path) for path in files.values()), timeout=20, message="children started")
        before = {name: pids(path) for name, path in files.items()}
        victim, victim_grandchild = before["two"]  # type: ignore[misc]
        files["two"].write_text("")

        os.kill(victim, signal.SIGKILL)

        wait_for(lambda: pids(files["two"]) is not None, timeout=20, message="the killed child restarted")
        assert pids(files["two"]) != before["two"]
        # What it left in its session went with it; the others never noticed.
        wait_for(lambda: not alive(victim_grandchild), timeout=10, message="the orphan killed")
        for name in ("one", "three"):
            assert pids(files[name]) == before[name]
            assert all(alive(pid) for pid in before[name])  # type: ignore[union-attr]
        log = supervisor.log()
        assert "two exited" not in log
        assert "two killed by SIGKILL" in log
        assert "restarting in 1s" in log
        assert supervisor.running

        running = [pid for path in files.values() for pid in pids(path)]  # type: ignore[union-attr]
        started = time.monotonic()
        assert supervisor.process is not None
        supervisor.process.send_signal(signal.SIGTERM)
        assert supervisor.process.wait(20) == 0
        assert time.monotonic() - started < 10
        assert not [pid for pid in running if alive(pid)]
        assert "SIGTERM received: stopping every process" in supervisor.log()
        assert "all processes stopped" in supervisor.log()
    finally:
        supervisor.stop()


def test_the_env_file_beside_the_procfile_fills_the_environment_but_never_overrides_it(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("# local secrets\nUI_AUTH_SECRET=from-the-file\nPORT=1\nbroken line\n")
    monkeypatch.delenv("UI_AUTH_SECRET", raising=False)  # the suite's settings loaded the repository's .env
    monkeypatch.setenv("PORT", "3000")
    module = load_supervise()

    supervisor = module.Supervisor(
        module.parse_procfile("ui: true\n"), colour=False, env=module.read_env_file(tmp_path / ".env")
    )

    assert supervisor.env["UI_AUTH_SECRET"] == "from-the-file"
    assert supervisor.env["PORT"] == "3000"
    assert "broken line" not in supervisor.env
    assert module.read_env_file(tmp_path / "missing") == {}
