"""Fixtures of the reminder tests: Celery beat with the workers' environment (SMTP is suite-wide)."""

from collections.abc import Iterator

import pytest

from tests.support.processes import ManagedProcess, celery_beat, wait_for_log
from tests.support.reminders import reminder_env


@pytest.fixture(scope="package")
def beat(django_db_setup, smtp, tmp_path_factory) -> Iterator[ManagedProcess]:
    process = celery_beat(tmp_path_factory.mktemp("beat") / "schedule", **reminder_env(smtp)).start()
    wait_for_log(process, "beat: Starting")
    yield process
    process.stop()
