"""Suite-wide fixtures: a unique Kafka topic prefix per run, the project's topics, and stack control."""

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def user(db):
    from tests.support.factories import UserProfileFactory

    return UserProfileFactory()


class Api:
    """An API client acting as one user, with the same JSON helpers for every verb."""

    def __init__(self, user_id: str, token: str | None) -> None:
        from rest_framework.test import APIClient

        self.user_id = user_id
        self.client = APIClient()
        if token is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def url(self, suffix: str = "") -> str:
        return f"/api/{self.user_id}/{suffix}"

    def get(self, suffix: str, **params: Any) -> Any:
        return self.client.get(self.url(suffix), params)

    def post(self, suffix: str, body: Any, **headers: str) -> Any:
        return self.client.post(self.url(suffix), body, format="json", headers=headers)

    def put(self, suffix: str, body: Any) -> Any:
        return self.client.put(self.url(suffix), body, format="json")

    def patch(self, suffix: str, body: Any) -> Any:
        return self.client.patch(self.url(suffix), body, format="json")

    def delete(self, suffix: str) -> Any:
        return self.client.delete(self.url(suffix))


@pytest.fixture
def api(user) -> Api:
    """The API as `user`, with a valid token carrying their email and name."""
    from tests.support.factories import make_token

    return Api(user.id, make_token(user.id, email=user.email, name=user.name))


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker() -> None:
    """The suite's own Redis database starts empty: no Celery task of an earlier run is left in it."""
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def relay() -> Iterator[Any]:
    """The outbox relay running in a thread of the test process, stopped cleanly at the end."""
    from tests.support.pipeline import Background, make_relay

    background = Background(make_relay())
    yield background.target
    background.stop()


@pytest.fixture(scope="session")
def kafka_topics(kafka_topic_prefix: str) -> str:
    """The platform's topics exist under this run's prefix."""
    from workers.kafka.topics import topics_ensure

    topics_ensure()
    return kafka_topic_prefix


class Stack:
    """Starts and stops services of the local stack through the project's own scripts."""

    def port_open(self, port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

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
