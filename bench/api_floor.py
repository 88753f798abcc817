"""The floor of bench/api.py: the benchmarked task API operations as a minimal WSGI app, without Django.

It does the work each operation must do and nothing else: verifies the same JWT (PyJWT, HS256, the claims
workers/http/authentication.py requires), keeps the same per-process cache of synced users, runs the same
SQL through psycopg on one connection per thread (client-side binding, as Django's backend does, writes in
one transaction with the same outbox rows and idempotency row), and answers the same JSON bytes with orjson.
It validates only what the bench sends and knows only its routes: it is a measure, not a server.

gunicorn runs it with the server's own settings: `gunicorn --pythonpath bench api_floor:application ...`
with BETTER_AUTH_SECRET and DATABASE_URL in the environment (bench/api.py starts it).
"""

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
import orjson
import psycopg

from tasks_app.reminders import reminders_output  # the same shape as the API, without Django

SECRET = os.environ.get("BETTER_AUTH_SECRET", "")
DSN = os.environ.get("DATABASE_URL", "").replace("postgres://", "postgresql://", 1)
LEEWAY_SECONDS = 30
USER_SYNC_CACHE_SECONDS = 300
MAX_PAGE_SIZE = 100

COLUMNS = (
    "id, user_id, title, description, completed, completed_at, skipped, priority, tags, due_date, timezone, "
    "recurring_pattern, recurring_end_date, recurrence_anchor, next_occurrence, parent_task_id, reminder_at, "
    "reminder_sent, reminders, created_at, updated_at"
)
NAMES = tuple(name.strip() for name in COLUMNS.split(","))
INSTANTS = {"completed_at", "due_date", "recurring_end_date", "next_occurrence", "reminder_at"}
INSTANTS |= {"created_at", "updated_at"}
ORDER = {"-created_at": "created_at DESC, id DESC", "-due_date": "due_date DESC NULLS LAST, id DESC"}
OUTBOX_INSERT = (
    "INSERT INTO outbox_events (topic, key, event_id, event_type, payload, headers, origin) "
    "VALUES {rows} ON CONFLICT (event_id) WHERE origin = 'emitted' DO NOTHING RETURNING event_id"
)
ROUTE = re.compile(r"^/api/([^/]+)/tasks(?:/(\d+)/complete)?$")

Start = Callable[[str, list[tuple[str, str]]], Any]

_local = threading.local()
_synced: dict[str, float] = {}  # fingerprint of the claims -> when the users row was last made current


class HttpError(Exception):
    def __init__(self, status: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def connection() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(DSN, autocommit=True, cursor_factory=psycopg.ClientCursor)
        conn.execute("SET TIME ZONE 'UTC'")
        _local.conn = conn
    return conn


def verify(environ: dict[str, Any]) -> dict[str, Any]:
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpError("401 Unauthorized", "not_authenticated", "Use 'Authorization: Bearer <token>'.")
    try:
        if jwt.get_unverified_header(token).get("alg") != "HS256":
            raise HttpError(
                "401 Unauthorized", "authentication_failed", "The token's algorithm is not accepted."
            )
        claims: dict[str, Any] = jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "sub"], "verify_aud": False},
        )
    except jwt.InvalidTokenError as error:
        raise HttpError("401 Unauthorized", "authentication_failed", "The token is invalid.") from error
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise HttpError("401 Unauthorized", "authentication_failed", "The token's 'sub' claim is invalid.")
    return claims


def sync_user(conn: psycopg.Connection[Any], claims: dict[str, Any]) -> None:
    """The users row from the claims, at most once per USER_SYNC_CACHE_SECONDS per process (as ours)."""
    known = {name: claims[name] for name in ("email", "name") if name in claims}
    fingerprint = hashlib.sha256(repr((claims["sub"], sorted(known.items()))).encode()).hexdigest()
    now = time.monotonic()
    if now - _synced.get(fingerprint, -USER_SYNC_CACHE_SECONDS) < USER_SYNC_CACHE_SECONDS:
        return
    row = conn.execute(
        "SELECT id, email, name, timezone, created_at, updated_at FROM users WHERE id = %s LIMIT 21",
        [claims["sub"]],
    ).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO users (id, email, name, timezone, created_at, updated_at) "
            "VALUES (%s, %s, %s, 'UTC', now(), now()) ON CONFLICT DO NOTHING",
            [claims["sub"], known.get("email", ""), known.get("name", "")],
        )
    elif (row[1], row[2]) != (known.get("email", row[1]), known.get("name", row[2])):
        conn.execute(
            "UPDATE users SET email = %s, name = %s, updated_at = now() WHERE id = %s",
            [known.get("email", row[1]), known.get("name", row[2]), claims["sub"]],
        )
    _synced[fingerprint] = now


def instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_millis(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def task_dict(row: Iterable[Any]) -> dict[str, Any]:
    task = dict(zip(NAMES, row, strict=True))
    task["reminders"] = reminders_output(task["reminders"], task["due_date"])  # plain Python, no Django
    for name in INSTANTS:
        task[name] = instant(task[name])
    return task


def list_tasks(conn: psycopg.Connection[Any], environ: dict[str, Any], user_id: str) -> tuple[str, Any]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    page = int(query.get("page", ["1"])[0])
    size = min(int(query.get("page_size", ["50"])[0]), MAX_PAGE_SIZE)
    sort = query.get("sort", ["-created_at"])[0]
    where, params = "user_id = %s", list[Any]([user_id])
    if tags := query.get("tag"):
        where += " AND tags @> (%s)::varchar(50)[]"
        params.append(tags)
    # The WHERE and ORDER BY come from constants here; the values are parameters.
    count_query = f"SELECT COUNT(*) FROM tasks WHERE {where}"  # noqa: S608
    count = conn.execute(count_query, params).fetchone()[0]  # type: ignore[index]
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM tasks WHERE {where} ORDER BY {ORDER[sort]} LIMIT %s OFFSET %s",  # noqa: S608
        [*params, size, (page - 1) * size],
    ).fetchall()

    def link(number: int) -> str | None:
        if number < 1 or (number - 1) * size >= count:
            return None
        pairs = {**query, "page": [str(number)]}
        if number == 1:
            del pairs["page"]
        host = environ.get("HTTP_HOST", "127.0.0.1")
        return f"http://{host}{environ['PATH_INFO']}?{urlencode(sorted(pairs.items()), doseq=True)}"

    body = {
        "count": count,
        "next": link(page + 1),
        "previous": link(page - 1) if page > 1 else None,
        "results": [task_dict(row) for row in rows],
    }
    return "200 OK", body


def emit(
    conn: psycopg.Connection[Any],
    events: list[tuple[str, str, dict[str, Any]]],
    task: dict[str, Any],
    at: datetime,
) -> None:
    """The outbox rows of `events` (topic, type, payload) about one task, in one insert (as emit_many())."""
    millis = int(at.timestamp() * 1000)
    values: list[Any] = []
    for topic, event_type, payload in events:
        event_id = f"{event_type}-{task['id']}-{millis}"
        envelope = {
            "event_id": event_id,
            "event_type": event_type,
            "event_version": "1.0",
            "task_id": task["id"],
            "user_id": task["user_id"],
            "timestamp": iso_millis(datetime.fromtimestamp(millis / 1000, tz=UTC)),
            "payload": payload,
        }
        headers = {"event_id": event_id, "event_type": event_type}
        values += [topic, task["user_id"], event_id, event_type, json.dumps(envelope), json.dumps(headers)]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, 'emitted')"] * len(events))
    conn.execute(OUTBOX_INSERT.format(rows=rows), values)  # the placeholders are ours, the values parameters


def snapshot(task: dict[str, Any]) -> dict[str, Any]:
    """The event's copy of the task: instants with milliseconds (tasks_app/events.py)."""
    return {
        name: (iso_millis(datetime.fromisoformat(value)) if name in INSTANTS and value is not None else value)
        for name, value in task.items()
    }


def create_task(conn: psycopg.Connection[Any], environ: dict[str, Any], user_id: str) -> tuple[str, Any]:
    body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    title = body["title"].strip()
    priority = body.get("priority", "medium")
    if not title or priority not in ("low", "medium", "high") or not isinstance(body.get("tags", []), list):
        raise HttpError("400 Bad Request", "invalid", "The request has invalid fields.")
    tags = list(dict.fromkeys(body.get("tags", [])))
    due = body.get("due_date")
    due_date = datetime.fromisoformat(due).astimezone(UTC) if due else None
    key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()
    path = environ["PATH_INFO"]
    fingerprint = hashlib.sha256(
        json.dumps(["POST", path, body], sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()
    if key:
        stored = conn.execute(
            "SELECT id, user_id, key, request_fingerprint, response_status, response_body, created_at "
            "FROM idempotency_keys WHERE (user_id = %s AND key = %s)",
            [user_id, key],
        ).fetchone()
        if stored is not None and stored[3] != fingerprint:
            raise HttpError("400 Bad Request", "invalid", "The request has invalid fields.")
        if stored is not None:
            return f"{stored[4]} Replayed", stored[5]
    at = datetime.now(tz=UTC)
    with conn.transaction():  # one transaction, no savepoint: task_create() joins the idempotency one's
        zone = conn.execute(
            "SELECT id, email, name, timezone, created_at, updated_at FROM users WHERE id = %s",
            [user_id],
        ).fetchone()[3]  # type: ignore[index]
        row = conn.execute(
            "INSERT INTO tasks (user_id, title, description, completed, completed_at, skipped, priority, "
            "tags, due_date, timezone, created_at, updated_at, recurring_pattern, recurring_end_date, "
            "recurrence_anchor, next_occurrence, parent_task_id, reminder_at, reminder_sent, "
            "next_occurrence_owed_since) "
            "VALUES (%s, %s, '', false, NULL, false, %s, (%s)::varchar(50)[], %s, %s, %s, %s, NULL, "
            "NULL, 'due', NULL, NULL, NULL, false, NULL) RETURNING id",
            [user_id, title, priority, tags, due_date, zone, at, at],
        ).fetchone()
        task = {
            "id": row[0],  # type: ignore[index]
            "user_id": user_id,
            "title": title,
            "description": "",
            "completed": False,
            "completed_at": None,
            "skipped": False,
            "priority": priority,
            "tags": tags,
            "due_date": instant(due_date),
            "timezone": zone,
            "recurring_pattern": None,
            "recurring_end_date": None,
            "recurrence_anchor": "due",
            "next_occurrence": None,
            "parent_task_id": None,
            "reminder_at": None,
            "reminder_sent": False,
            "reminders": [],
            "created_at": instant(at),
            "updated_at": instant(at),
        }
        payload = {"task_id": task["id"], "task": snapshot(task)}
        emit(conn, [("task-updates", "task.created", payload)], task, at)
        if key:
            conn.execute(
                "INSERT INTO idempotency_keys (user_id, key, request_fingerprint, response_status, "
                "response_body, created_at) VALUES (%s, %s, %s, 201, %s, DEFAULT) RETURNING id",
                [user_id, key, fingerprint, json.dumps(task)],
            )
    return "201 Created", task


def complete_task(
    conn: psycopg.Connection[Any], environ: dict[str, Any], user_id: str, task_id: int
) -> tuple[str, Any]:
    body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    completed = body.get("completed")
    if not isinstance(completed, bool):
        raise HttpError("400 Bad Request", "invalid", "The request has invalid fields.")
    return "200 OK", complete(conn, user_id, task_id, completed=completed)


def complete(conn: psycopg.Connection[Any], user_id: str, task_id: int, *, completed: bool) -> dict[str, Any]:
    """The SQL of `task_complete()`: the task read, then locked, updated and its events written (one insert)
    in one transaction; returns the task as the API shows it (bench/recurrence.py completes with it too)."""
    prefixed = ", ".join(f"tasks.{name}" for name in NAMES)
    found = conn.execute(
        f"SELECT {prefixed}, tasks.next_occurrence_owed_since FROM tasks "  # noqa: S608
        "WHERE (tasks.user_id = %s AND tasks.id = %s)",
        [user_id, task_id],
    ).fetchone()
    if found is None:
        raise HttpError("404 Not Found", "not_found", "Task not found.")
    with conn.transaction():
        row = conn.execute(
            f"SELECT {COLUMNS}, next_occurrence_owed_since FROM tasks "  # noqa: S608
            "WHERE id = %s FOR UPDATE",
            [task_id],
        ).fetchone()
        task = task_dict(row[:-1])  # type: ignore[index]
        if task["completed"] != completed:
            at = datetime.now(tz=UTC)
            owed = at if completed and task["recurring_pattern"] else None
            conn.execute(
                "UPDATE tasks SET completed = %s, completed_at = %s, updated_at = %s, "
                "next_occurrence_owed_since = %s WHERE id = %s",
                [completed, at if completed else None, at, owed, task_id],
            )
            task.update(
                completed=completed, completed_at=instant(at) if completed else None, updated_at=instant(at)
            )
            shot = snapshot(task)
            events = []
            if completed:
                names = (
                    "completed_at",
                    "skipped",
                    "recurring_pattern",
                    "recurring_end_date",
                    "recurrence_anchor",
                    "due_date",
                    "timezone",
                )
                payload = {"task_id": task_id, **{name: shot[name] for name in names}}
                payload["parent_task_id"] = task["parent_task_id"]
                events.append(("task-events", "task.completed", payload))
            changed = {"task_id": task_id, "changed": ["completed", "completed_at"], "task": shot}
            events.append(("task-updates", "task.updated", changed))
            emit(conn, events, task, at)
    return task


def application(environ: dict[str, Any], start_response: Start) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/health/live":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "15")])
        return [b'{"status":"ok"}']
    status, body = (
        "404 Not Found",
        {"error": {"code": "not_found", "message": "No such resource.", "details": {}}},
    )
    try:
        if (match := ROUTE.match(path)) is not None:
            claims = verify(environ)
            user_id = match[1]
            if claims["sub"] != user_id:
                raise HttpError("403 Forbidden", "permission_denied", "You can only access your own tasks.")
            conn = connection()
            sync_user(conn, claims)
            method = environ["REQUEST_METHOD"]
            if match[2] is not None and method == "PATCH":
                status, body = complete_task(conn, environ, user_id, int(match[2]))
            elif match[2] is None and method == "GET":
                status, body = list_tasks(conn, environ, user_id)
            elif match[2] is None and method == "POST":
                status, body = create_task(conn, environ, user_id)
    except HttpError as error:
        status, body = error.status, {"error": {"code": error.code, "message": str(error), "details": {}}}
    data = orjson.dumps(body)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if status.endswith("Replayed"):
        status = status.replace("Replayed", "Created")
        headers.append(("Idempotent-Replayed", "true"))
    start_response(status, headers)
    return [data]


if __name__ == "__main__":
    print("bench/api_floor.py is the floor that bench/api.py serves with gunicorn; run bench/api.py.")
