"""Suite-wide fixtures (a unique Kafka topic prefix per run, the project's topics, the API as a user, stack
control, an SMTP server) and the markers that split the suite.

- `processes`: the test starts subprocesses (the project's processes, gunicorn, a browser, scripts). Given
  by hand, and here to every test that asks for `stack`. A test without it that starts a subprocess fails
  (`_no_subprocesses_unless_marked`): the mark cannot go stale.
- `stops_services`: the test stops the machine's shared PostgreSQL, Redis or Kafka (the `stack` fixture);
  given here. Never run such a test next to `make run` or another run of the suite.

`make test-fast` runs `-m "not processes"`: unit and API tests in this process only.
"""

import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from tests.support.api import Api
from tests.support.smtp import SmtpSink
from tests.support.stack import Stack

# One prefix per test run: topics of different runs never mix. Subprocesses inherit it.
RUN_PREFIX = f"test-{uuid.uuid4().hex[:10]}."


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "stack" in fixtures:
            item.add_marker(pytest.mark.stops_services)
            item.add_marker(pytest.mark.processes)


class _SubprocessRefused(subprocess.Popen):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("this test starts a subprocess: mark it @pytest.mark.processes")


@pytest.fixture(autouse=True)
def _no_subprocesses_unless_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps the `processes` mark true: an unmarked test cannot start a subprocess (so `make test-fast`
    stays free of them)."""
    if request.node.get_closest_marker("processes") is None:
        monkeypatch.setattr(subprocess, "Popen", _SubprocessRefused)


@pytest.fixture(scope="session", autouse=True)
def kafka_topic_prefix() -> Iterator[str]:
    previous = settings.KAFKA_TOPIC_PREFIX
    settings.KAFKA_TOPIC_PREFIX = RUN_PREFIX
    os.environ["KAFKA_TOPIC_PREFIX"] = RUN_PREFIX
    yield RUN_PREFIX
    settings.KAFKA_TOPIC_PREFIX = previous


@pytest.fixture(scope="session")
def kafka_topics(kafka_topic_prefix: str) -> Iterator[str]:
    """The platform's topics exist under this run's prefix; at the end of the run they are deleted (a run
    that never asks for them never talks to Kafka for them)."""
    from workers.kafka.topics import topics_ensure

    topics_ensure()
    yield kafka_topic_prefix
    _delete_run_topics()


def _delete_run_topics() -> None:
    """Best effort: drop this run's topics so the local broker does not fill up over many runs."""
    from workers.kafka.clients import make_admin

    admin = make_admin()
    topics = [name for name in admin.list_topics(timeout=10).topics if name.startswith(RUN_PREFIX)]
    if topics:
        for future in admin.delete_topics(topics, operation_timeout=30).values():
            future.result()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The local-memory cache outlives each test's rolled-back transaction; start every test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker() -> None:
    """The suite's own Redis databases start empty: no Celery task or live-update stream of an earlier run."""
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    redis.Redis.from_url(settings.LIVE_UPDATES_REDIS_URL).flushdb()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The suite reuses its database between runs (`--reuse-db`), so a run that was killed inside a
    transactional test (Ctrl-C, a timeout) leaves that test's rows behind; the next run would find them in
    tests that count rows. Every run starts from empty tables, as a freshly created database would."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def user(db):
    from tests.support.factories import UserProfileFactory

    return UserProfileFactory()


@pytest.fixture
def api(user) -> Api:
    """The API as `user`, with a valid token carrying their email and name."""
    from tests.support.factories import make_token

    return Api(user.id, make_token(user.id, email=user.email, name=user.name))


@pytest.fixture
def relay() -> Iterator[Any]:
    """The outbox relay running in a thread of the test process, stopped cleanly at the end."""
    from tests.support.pipeline import Background, make_relay

    background = Background(make_relay())
    yield background.target
    background.stop()


@pytest.fixture
def stack() -> Stack:
    """The machine's shared services: a test that asks for this one is marked `stops_services`."""
    return Stack()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) in the test process that accepts every reminder email; tests that make
    it refuse or slow down set it back."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
