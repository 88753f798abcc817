"""gunicorn's access log, as the Procfile's `web` writes it, never shows a calendar feed's secret token."""

import secrets

import pytest

from tests.support.processes import process_env
from tests.support.waiting import wait_for
from tests.support.web import get, gunicorn
from todo_project.gunicorn_conf import redact

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
