"""The database backend (`workers.postgresql`) reads timestamps exactly as Django's own backend does, parsing
them with psycopg's optimised loader."""

from datetime import datetime

import psycopg
import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader  # type: ignore[import-untyped]
from psycopg.pq import Format

from workers.postgresql.base import TIMESTAMPTZ_OID

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
