"""The database backend (`workers.postgresql`) reads timestamps exactly as Django's own backend does, parsing
them with psycopg's optimised loader, and replaces a connection the server ended without asking the server
on every request."""

import uuid
from datetime import datetime
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader  # type: ignore[import-untyped]
from psycopg.pq import Format

from tests.support.factories import make_token
from tests.support.waiting import wait_for
from tests.support.web import KeepAliveClient, gunicorn, make_run_env
from workers.postgresql.base import TIMESTAMPTZ_OID, quiet

pytestmark = pytest.mark.django_db

# Whole seconds, microseconds, a leap day, the ends of the range psycopg reads, an instant stored with
# another offset, and NULL.
TIMESTAMPS = (
    "2026-12-03 15:58:12+00",
    "2026-12-03 15:58:12.000001+00",
    "2028-02-29 23:59:59.999999+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-03-29 01:30:00+02:00",
    None,
)
SELECT_TIMESTAMPS = "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n"


def read_with_djangos_loader(query: str, params: list[object]) -> list[datetime | None]:
    """The first column of a query, read through a cursor with Django's own loader for the connection's
    time zone."""
    with connection.connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor)
        cursor.execute(query, params)
        return [value for (value, *_) in cursor.fetchall()]


def test_timestamps_read_as_with_djangos_own_loader():
    with connection.cursor() as cursor:
        cursor.execute(SELECT_TIMESTAMPS, [list(TIMESTAMPS)])
        ours = [value for (value,) in cursor.fetchall()]

    theirs = read_with_djangos_loader(SELECT_TIMESTAMPS, [list(TIMESTAMPS)])
    assert ours == theirs
    assert [value and (value.isoformat(), value.tzinfo) for value in ours] == [
        value and (value.isoformat(), value.tzinfo) for value in theirs
    ]
    assert all(value.tzinfo is connection.timezone for value in ours if value is not None)


def test_a_timestamp_python_cannot_hold_is_a_data_error_as_with_djangos_loader():
    for value in ("infinity", "-infinity"):
        with pytest.raises(DataError), connection.cursor() as cursor:
            cursor.execute("SELECT %s::timestamptz", [value])
            cursor.fetchone()
        with pytest.raises(psycopg.DataError):
            read_with_djangos_loader("SELECT %s::timestamptz", [value])


def test_connections_parse_timestamps_with_psycopgs_optimised_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)(TIMESTAMPTZ_OID, None)

    optimised = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert optimised.__module__.startswith("psycopg_binary")  # psycopg[binary], as pyproject.toml asks
    assert getattr(loader._parse, "__self__", None).__class__ is optimised
    assert loader.timezone is connection.timezone  # what Django's cursors compare, not to register theirs


def admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


def terminate(application_name: str) -> int:
    """Ends every backend of the test database with that application name, as a restart would, and returns
    once each has exited (pg_terminate_backend's timeout, in ms): the server has then said why and closed
    the connection. Without the wait, it only signals them, and a request sent at once could still reach a
    backend that had not yet ended."""
    with admin_connection() as admin:
        ended = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [application_name],
        ).fetchone()
    return int(ended[0]) if ended else 0


def test_an_idle_connection_is_quiet_and_one_the_server_ended_is_not():
    name = f"quiet-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        **{**connection.get_connection_params(), "application_name": name}, autocommit=True
    ) as probed:
        probed.execute("SELECT 1").fetchone()
        assert quiet(probed)
        with probed.transaction():
            probed.execute("SELECT 1").fetchone()
            assert not quiet(probed)  # in a transaction: Django's own check decides
        assert quiet(probed)

        assert terminate(name) == 1
        # The server says why, then closes: the socket has something to read, the check asks the server.
        wait_for(lambda: not quiet(probed), timeout=10, message="the ended connection noticed")


# The server commits to the test database (the user of a verified token): a transactional test empties it.
@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_server_ended_the_connection_is_served():
    """Without a round trip per request, the health check still replaces a connection the server ended:
    the first request after it is answered, not an error."""
    name = f"web-{uuid.uuid4().hex[:8]}"
    sub = f"user-{uuid.uuid4().hex[:12]}"
    env = make_run_env(PGAPPNAME=name, BETTER_AUTH_SECRET=settings.BETTER_AUTH_SECRET)
    headers = {"Authorization": f"Bearer {make_token(sub)}"}
    with gunicorn(env, name="gunicorn-db-ended") as port:
        client = KeepAliveClient(port)
        try:
            # Both threads of the worker hold a persistent connection (CONN_MAX_AGE).
            assert [client.get(f"/api/{sub}/tasks", headers) for _ in range(4)] == [200] * 4
            ended = terminate(name)
            statuses = [client.get(f"/api/{sub}/tasks", headers) for _ in range(4)]
        finally:
            client.close()

    assert ended >= 1
    assert statuses == [200] * 4
