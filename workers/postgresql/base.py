"""Django's PostgreSQL backend, with every `timestamptz` a query returns parsed by psycopg's optimised
(C) loader instead of its pure-Python one, and a health check that asks the server only when its socket
says something happened.

Django registers its own `timestamptz` loader on each connection, so that a timestamp comes back in the
connection's time zone. It derives from psycopg's Python loader, because psycopg's C loader cannot be
subclassed (it is final): each timestamp is then parsed by a regular expression in Python, about 2.6 µs
against 0.3 µs here. A list of 50 tasks reads about 150 of them: 0.79 ms against 0.24 ms (Django ticket
#36960; psycopg/psycopg#1273; docs/operations.md has the figures).

Here Django's loader keeps its class, its `timezone` (which Django's cursors compare to the connection's)
and its result; only the parsing is delegated to the C loader, found through psycopg's public adapters map.
Without psycopg's C extension that map gives the Python loader, and the result is the same.

Django's health check (`CONN_HEALTH_CHECKS`) runs `SELECT 1` before a persistent connection's first query
in each request: a round trip on every request, about 0.15 ms of the web process's CPU (docs/operations.md).
A server that ends a connection (a restart, `pg_terminate_backend`, a crash of another backend) first sends
its reason, then closes the socket: an idle connection has nothing to read until then. So the check here
polls the socket (no round trip) and runs Django's `SELECT 1` only when there is something to read, or
when the connection is not idle and quiet.
"""

import select
from datetime import datetime, tzinfo
from functools import cache
from typing import Any, cast

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader  # type: ignore[import-untyped]
from psycopg.abc import Loader
from psycopg.adapt import AdaptersMap
from psycopg.pq import Format, TransactionStatus

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's, set on connecting and at each request's start (not in django-stubs).
    health_check_enabled: bool
    health_check_done: bool

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        params["context"] = adapters_with_fast_timestamps(params["context"], self.timezone)
        return params

    def close_if_health_check_failed(self) -> None:
        pending = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if pending and quiet(self.connection):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()  # Django's `SELECT 1`, closing the connection if it fails


def quiet(connection: psycopg.Connection[Any]) -> bool:
    """Whether `connection` is open, idle, and its socket has nothing to read: no word from the server
    since its last result, so not ended by it either."""
    if connection.closed or connection.broken or connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    try:
        poller.register(connection.fileno(), select.POLLIN)
    except (psycopg.Error, OSError, ValueError):  # no socket: the connection is lost
        return False
    return not poller.poll(0)


@cache
def adapters_with_fast_timestamps(template: AdaptersMap, timezone: tzinfo | None) -> AdaptersMap:
    """Django's adapters for a connection (`template`, one per time zone), with the loader below; one map
    per template, as Django keeps one template per time zone."""
    context = AdaptersMap(template)
    context.register_loader("timestamptz", fast_tz_loader(timezone))
    return context


def fast_tz_loader(timezone: tzinfo | None) -> type[Loader]:
    """Django's loader for `timezone` (what `psycopg_any.register_tzloader` registers), parsing in C."""
    # psycopg registers a loader for every built-in type, the C one where its extension is installed.
    optimised = cast("type[Loader]", psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT))

    class FastTzLoader(BaseTzLoader):  # type: ignore[misc]  # untyped in Django
        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._parse = optimised(oid, context).load

        def load(self, data: Any) -> datetime:
            parsed: datetime = self._parse(data)
            return parsed.replace(tzinfo=self.timezone)

    FastTzLoader.timezone = timezone
    return FastTzLoader
