"""Prometheus metrics: never on the API's port; each gunicorn worker serves its own on a loopback port."""

import socket

import pytest
from django.test import Client

from tests.support.ports import free_ports
from tests.support.waiting import wait_for
from tests.support.web import get, gunicorn, listening, make_run_env


def test_the_api_port_has_no_metrics_route():
    response = Client().get("/metrics")

    assert response.status_code == 404
    assert b"django_http_requests" not in response.content


def reachable_at(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((address, port)) == 0


@pytest.mark.processes
@pytest.mark.django_db  # the server's environment names the test database
def test_each_worker_serves_its_metrics_on_a_loopback_port_and_the_api_port_none():
    metrics_ports = free_ports(2)
    env = make_run_env(METRICS_PORT_RANGE=f"{metrics_ports.start}-{metrics_ports.stop - 1}")

    with gunicorn(env, workers=2, name="gunicorn-metrics") as api_port:
        wait_for(lambda: all(listening(port) for port in metrics_ports), timeout=30, message="metrics ports")
        for _ in range(3):
            assert get(api_port, "/health/live")[0] == 200
        outside = [get(api_port, path) for path in ("/metrics", "/metrics/", "/prometheus/metrics")]
        scrapes = [get(port, "/metrics") for port in metrics_ports]
        # Bound to 127.0.0.1, not every interface: another loopback address is already "elsewhere".
        elsewhere = [reachable_at("127.0.0.2", port) for port in metrics_ports]

    assert [status for status, _ in outside] == [404, 404, 404]
    assert all(b"django_http_requests" not in body for _, body in outside)
    assert [status for status, _ in scrapes] == [200, 200]
    bodies = [body.decode() for _, body in scrapes]
    assert all("django_http_requests_total_by_view_transport_method_total" in body for body in bodies)
    # The requests above were served by the workers; together they counted the three probes at least.
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for body in bodies
        for line in body.splitlines()
        if line.startswith("django_http_requests_total_by_view_transport_method_total{")
        and 'view="health-live"' in line
    )
    assert served >= 3
    assert elsewhere == [False, False]
