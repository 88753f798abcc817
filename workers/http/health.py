"""Liveness and readiness probes: the process is up; PostgreSQL, Redis and Kafka answer.

The probes are anonymous, so they answer with each dependency's name and state only; why one failed goes to
the log (an error's text may name hosts, users or addresses).
"""

import logging
import re
import time
from collections.abc import Callable
from functools import cache

import redis
from confluent_kafka.admin import AdminClient
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from redis.backoff import NoBackoff
from redis.retry import Retry

from workers.kafka.clients import make_admin

logger = logging.getLogger(__name__)

# `scheme://user:password@host` and `password=...` in an error's text: logged without the secret part.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_PASSWORD_VALUE = re.compile(r"(?P<key>pass(?:word)?|secret|token)(?P<sep>\s*[=:]\s*)\S+", re.IGNORECASE)


def redacted(text: str) -> str:
    """An error's text without credentials a connection string may have put in it."""
    text = _URL_CREDENTIALS.sub(r"\g<scheme>***@", text)
    return _PASSWORD_VALUE.sub(r"\g<key>\g<sep>***", text)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@cache
def _redis_client() -> redis.Redis:
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), retries=0),  # a probe reports what it sees now, it does not wait
    )


def check_redis() -> None:
    _redis_client().ping()


@cache
def _kafka_admin() -> AdminClient:
    return make_admin(**{"client.id": "todo-health", "socket.connection.setup.timeout.ms": 1000})


def check_kafka() -> None:
    # list_topics answers from a live broker connection; it raises KafkaException on timeout.
    _kafka_admin().list_topics(timeout=settings.HEALTH_CHECK_TIMEOUT_SECONDS)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "kafka": check_kafka,
}


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure means "not ready"; the probe must answer, not crash
            logger.warning(
                "readiness check %s failed: %s: %s", name, type(error).__name__, redacted(str(error))[:500]
            )
            results[name] = {"ok": False}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": results}
    return JsonResponse(body, status=503 if failing else 200)
