"""Health probes against the real PostgreSQL, Redis and Kafka of the local stack."""

import pytest
from django.test import Client

from workers.health import check_redis


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


@pytest.mark.slow
@pytest.mark.django_db
def test_ready_names_redis_when_it_stops_and_recovers(client, stack):
    stack.run("redis", "down")
    try:
        response = client.get("/health/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["failing"] == ["redis"]
        assert body["checks"]["redis"]["ok"] is False
        assert "Connection" in body["checks"]["redis"]["error"]
    finally:
        stack.run("redis", "up")

    check_redis()  # the cached client reconnects on its own
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["failing"] == []
