"""Suite-wide fixtures: a unique Kafka topic prefix per run, the project's topics, and stack control."""

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# One prefix per test run: topics of different runs never mix. Subprocesses inherit it.
RUN_PREFIX = f"test-{uuid.uuid4().hex[:10]}."


@pytest.fixture(scope="session", autouse=True)
def kafka_topic_prefix() -> Iterator[str]:
    previous = settings.KAFKA_TOPIC_PREFIX
    settings.KAFKA_TOPIC_PREFIX = RUN_PREFIX
    os.environ["KAFKA_TOPIC_PREFIX"] = RUN_PREFIX
    yield RUN_PREFIX
    settings.KAFKA_TOPIC_PREFIX = previous
    _delete_run_topics()


def _delete_run_topics() -> None:
    """Best effort: drop this run's topics so the local broker does not fill up over many runs."""
    from workers.kafka import make_admin

    admin = make_admin()
    topics = [name for name in admin.list_topics(timeout=10).topics if name.startswith(RUN_PREFIX)]
    if topics:
        for future in admin.delete_topics(topics, operation_timeout=30).values():
            future.result()


@pytest.fixture(scope="session")
def kafka_topics(kafka_topic_prefix: str) -> str:
    """The platform's topics exist under this run's prefix."""
    from workers.topics import topics_ensure

    topics_ensure()
    return kafka_topic_prefix


class Stack:
    """Starts and stops services of the local stack through the project's own scripts."""

    def run(self, service: str, verb: str) -> None:
        subprocess.run(
            ["bash", str(ROOT / "scripts" / f"{service}.sh"), verb],
            check=True,
            capture_output=True,
            timeout=180,
        )


@pytest.fixture
def stack() -> Stack:
    return Stack()
