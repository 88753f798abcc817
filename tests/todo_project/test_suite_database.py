"""The suite's database between runs: it is reused (`--reuse-db`), and a run killed inside a transactional
test must not hand its rows to the next run (tests that count rows would fail for no fault of theirs)."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings

from tests.support.killed_run import KILLED
from tests.support.paths import ROOT

pytestmark = pytest.mark.processes

MODULE = "tests/support/killed_run.py"
# A child run empties its Redis databases as it starts: not this run's, which later tests use.
CHILD_REDIS = {
    "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/6",
    "TEST_LIVE_UPDATES_REDIS_URL": settings.LIVE_UPDATES_REDIS_URL.rsplit("/", 1)[0] + "/7",
}


def _pytest(test: str, database: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", f"{MODULE}::{test}", *options],
        cwd=ROOT,
        env={**os.environ, "TEST_DATABASE_NAME": database, **CHILD_REDIS},
        capture_output=True,
        text=True,
        timeout=240,
    )


def _connect(database: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=database,
        autocommit=True,
    )


def test_a_run_killed_inside_a_transactional_test_leaves_nothing_to_the_next_run() -> None:
    database = f"test_todo_killed_{uuid.uuid4().hex[:8]}"
    try:
        killed = _pytest("test_leave_rows_and_die", database, "--create-db")
        assert killed.returncode == KILLED, killed.stdout + killed.stderr
        with _connect(database) as conn:
            assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (1,)

        following = _pytest("test_the_tables_start_empty", database)

        assert following.returncode == 0, following.stdout + following.stderr
        assert "1 passed" in following.stdout
    finally:
        with _connect(str(settings.DATABASES["default"]["NAME"])) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
