"""Health probes against the real PostgreSQL, Redis and Kafka of the local stack.

One test stops the machine's shared Redis (the `stack` fixture: marked `stops_services`): never run it next
to `make run` or another run of the suite; `make test-fast` leaves it out.
"""

import logging

import pytest
from django.test import Client

from workers.http import health
from workers.http.health import check_redis


@pytest.fixture
def client() -> Client:
    return Client()


def test_live_answers_while_the_process_runs(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_reports_each_dependency(client):
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "kafka": True,
    }
    assert all(set(check) == {"ok", "ms"} for check in body["checks"].values())


def failing_check():
    raise ConnectionError(
        "cannot reach redis://probe:hunter2@10.1.2.3:6379/0 as user probe, password=hunter2"
    )


@pytest.mark.django_db
def test_a_failure_names_only_the_dependency_and_logs_why_without_secrets(client, monkeypatch, caplog):
    monkeypatch.setitem(health.CHECKS, "redis", failing_check)

    with caplog.at_level(logging.WARNING, logger="workers.http.health"):
        response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["redis"]
    assert set(body["checks"]["redis"]) == {"ok", "ms"}
    assert body["checks"]["redis"]["ok"] is False
    assert b"10.1.2.3" not in response.content
    assert b"ConnectionError" not in response.content
    [record] = [record for record in caplog.records if record.name == "workers.http.health"]
    assert "redis failed: ConnectionError: cannot reach redis://***@10.1.2.3:6379/0" in record.getMessage()
    assert "hunter2" not in record.getMessage()


@pytest.mark.django_db
def test_ready_names_redis_when_it_stops_and_recovers(client, stack):
    stack.run("redis", "down")
    try:
        response = client.get("/health/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["failing"] == ["redis"]
        assert body["checks"]["redis"] == {"ok": False, "ms": body["checks"]["redis"]["ms"]}
    finally:
        stack.run("redis", "up")

    check_redis()  # the cached client reconnects on its own
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["failing"] == []
