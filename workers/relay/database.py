"""Plain psycopg connections for the long-running processes that need a session of their own.

The relay holds a session-level advisory lock and LISTENs on a channel: both live exactly as long as one
connection, so it cannot be Django's connection, which Django may close or replace between requests.
"""

from typing import Any

import psycopg
from django.db import connection


def connection_params() -> dict[str, Any]:
    """Django's connection parameters (the test database inside the test suite) for psycopg."""
    params = dict(connection.get_connection_params())
    for django_only in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(django_only, None)
    return params


def connect(*, autocommit: bool = True, application_name: str = "todo-worker") -> psycopg.Connection[Any]:
    return psycopg.connect(
        **connection_params(), autocommit=autocommit, application_name=application_name, connect_timeout=5
    )
