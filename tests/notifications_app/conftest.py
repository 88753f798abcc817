"""Fixtures of the reminder tests: a real SMTP server, the workers' environment, and Celery beat."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import ManagedProcess, process_env, wait_for_log
from tests.smtp import SmtpSink

HORIZON = 3  # seconds: "beyond the horizon" needs only a few seconds of waiting


@pytest.fixture(scope="package")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def reminder_env(smtp: SmtpSink, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "REMINDER_HORIZON_SECONDS": str(HORIZON),
        "REMINDER_SCAN_SECONDS": "0.5",
        "REMINDER_LOST_AFTER_SECONDS": "3",
        "RETRY_DELAY_SCALE": "0.002",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        **extra,
    }


@pytest.fixture(scope="package")
def beat(django_db_setup, smtp, tmp_path_factory) -> Iterator[ManagedProcess]:
    schedule = tmp_path_factory.mktemp("beat") / "schedule"
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
    process = ManagedProcess("beat", command=command, env=process_env(**reminder_env(smtp))).start()
    wait_for_log(process, "beat: Starting")
    yield process
    process.stop()
