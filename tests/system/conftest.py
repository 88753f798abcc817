"""Fixtures of the whole-system tests."""

from collections.abc import Iterator

import pytest

from tests.support.smtp import SmtpSink


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """An SMTP server in the test process that accepts every reminder email."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
