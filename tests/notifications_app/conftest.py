"""Fixtures of the reminder tests: a real SMTP server, the workers' environment, and Celery beat."""

from collections.abc import Iterator

import pytest

from tests.support.processes import ManagedProcess, celery_beat, wait_for_log
from tests.support.smtp import SmtpSink

HORIZON = 3  # seconds: "beyond the horizon" needs only a few seconds of waiting


@pytest.fixture(scope="package")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def reminder_env(smtp: SmtpSink, **extra: str) -> dict[str, str]:
    """The workers' settings: `make run`'s, except a short horizon and short SMTP retry delays.

    The scan interval, the lost-reminder threshold and Celery's visibility timeout stay at their defaults:
    recovery from a killed worker is tested as it runs in production.
    """
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "REMINDER_HORIZON_SECONDS": str(HORIZON),
        "RETRY_DELAY_SCALE": "0.002",
        **extra,
    }


@pytest.fixture(scope="package")
def beat(django_db_setup, smtp, tmp_path_factory) -> Iterator[ManagedProcess]:
    process = celery_beat(tmp_path_factory.mktemp("beat") / "schedule", **reminder_env(smtp)).start()
    wait_for_log(process, "beat: Starting")
    yield process
    process.stop()
