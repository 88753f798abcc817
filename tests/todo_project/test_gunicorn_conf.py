"""gunicorn as the Procfile's `web` runs it: its access log never shows a calendar feed's secret token, and
an idle keep-alive connection outlasts the idle timeout of the UI's forwarder (Node's fetch: 4 s)."""

import http.client
import secrets
import time

import pytest

from tests.support.processes import process_env
from tests.support.waiting import wait_for
from tests.support.web import get, gunicorn
from todo_project.gunicorn_conf import KEEPALIVE_SECONDS, redact

pytestmark = pytest.mark.processes


def test_a_feed_token_is_redacted_and_nothing_else():
    assert redact("GET /ical/abc-DEF_123.ics HTTP/1.1") == "GET /ical/<redacted>.ics HTTP/1.1"
    assert redact("GET /api/u1/tasks?search=ical HTTP/1.1") == "GET /api/u1/tasks?search=ical HTTP/1.1"


@pytest.mark.django_db
def test_the_access_log_shows_feed_requests_without_their_token():
    token = secrets.token_urlsafe(32)
    with gunicorn(process_env(), name="gunicorn-access-log") as port:
        status, _ = get(port, f"/ical/{token}.ics")
        get(port, "/health/live")
        from tests.support.paths import LOGS

        log = LOGS / "gunicorn-access-log.log"
        wait_for(lambda: "/health/live" in log.read_text(), timeout=10, message="the access log's lines")
        text = log.read_text()
    assert status == 404
    assert '"GET /ical/<redacted>.ics HTTP/1.1" 404' in text
    assert token not in text


NODE_FETCH_IDLE_SECONDS = 4  # undici's keepAliveTimeout: how long the UI's forwarder keeps an idle connection


@pytest.mark.django_db
def test_an_idle_connection_stays_open_longer_than_the_ui_keeps_it():
    """The connection the UI's forwarder would reuse after 4 idle seconds still answers: the server must
    never be the side that closes it (gunicorn's default, 2 s, did; the UI's request met a closed socket)."""
    assert KEEPALIVE_SECONDS > NODE_FETCH_IDLE_SECONDS
    with gunicorn(process_env(), name="gunicorn-keepalive") as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/health/live")
            first = connection.getresponse()
            first.read()
            sock = connection.sock
            time.sleep(NODE_FETCH_IDLE_SECONDS + 0.5)
            connection.request("GET", "/health/live")  # http.client would reconnect only on a closed socket
            second = connection.getresponse()
            second.read()
            assert connection.sock is sock, "the server closed the idle connection"
        finally:
            connection.close()
    assert (first.status, second.status) == (200, 200)
