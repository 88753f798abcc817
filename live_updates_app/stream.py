"""`GET /api/{user_id}/events`: the user's task changes as Server-Sent Events (docs/live-updates.md).

The live-updates server's ASGI application (`application()`) answers this one path itself, in its event
loop, and hands every other request (the health probes) to Django's. Django's ASGI handler would give each
request a thread for its synchronous parts (the `request_started` receivers, synchronous middleware) and
keep it until the response ends, which for a stream is as long as the client stays: a thread per open
stream. Here an open stream costs a queue and a few objects.

Authentication is the API's: `Authorization: Bearer <JWT>` (what the UI sends, through `fetch`), or a
single-use `?ticket=`; the path's user must be the caller. Connecting reads Redis only, never PostgreSQL.
"""

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

import redis
from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed

from live_updates_app.hub import Connection, Hub
from live_updates_app.server import current_hub
from live_updates_app.tickets import ticket_redeem
from workers.http.authentication import verify_token
from workers.http.errors import error_body

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

EVENTS_PATH = re.compile(r"/api/([^/]+)/events")
RETRY_MILLISECONDS = 1000  # how long a client waits before reconnecting (the SSE `retry` field)
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),  # nginx and kin: pass each message on at once
    (b"x-content-type-options", b"nosniff"),
]


def application(django: Asgi) -> Asgi:
    """The live-updates server's ASGI application: the stream here, the rest to Django's."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        match = EVENTS_PATH.fullmatch(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await django(scope, receive, send)
        else:
            await task_events(scope, receive, send, user_id=unquote(match[1]))

    return app


async def _answer(send: Send, status: int, body: dict[str, Any], *extra: tuple[bytes, bytes]) -> None:
    content = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *extra]})
    await send({"type": "http.response.body", "body": content})


async def _caller(headers: dict[bytes, bytes], query: str, hub: Hub) -> str:
    """The verified caller's user id; AuthenticationFailed when there is none."""
    header = headers.get(b"authorization", b"").decode("latin-1")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
            raise AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        # A thread: with a JWKS, an unknown key id fetches the key set over the network.
        claims = await asyncio.to_thread(verify_token, token.strip())
        return str(claims["sub"])
    tickets = parse_qs(query).get("ticket")
    if not tickets:
        raise AuthenticationFailed("Authentication credentials were not provided.", code="not_authenticated")
    user_id = await ticket_redeem(hub.client, tickets[0])
    if user_id is None:
        raise AuthenticationFailed("The ticket is unknown, expired or already used.")
    return user_id


async def task_events(scope: Scope, receive: Receive, send: Send, *, user_id: str) -> None:
    if scope["method"] not in ("GET", "HEAD"):
        await _answer(send, 405, error_body("method_not_allowed", "Use GET."), (b"allow", b"GET, HEAD"))
        return
    headers = dict(scope["headers"])
    hub = current_hub()
    unavailable = error_body("live_updates_unavailable", "Live updates are unavailable; try again shortly.")
    try:
        caller = await _caller(headers, scope.get("query_string", b"").decode("latin-1"), hub)
    except AuthenticationFailed as error:
        codes = error.get_codes()
        code = codes if isinstance(codes, str) else "authentication_failed"
        challenge = (b"www-authenticate", b'Bearer realm="api"')
        await _answer(send, 401, error_body(code, str(error.detail)), challenge)
        return
    except redis.RedisError:
        await _answer(send, 503, unavailable)
        return
    if caller != user_id:
        await _answer(send, 403, error_body("permission_denied", "You may only follow your own tasks."))
        return
    last_event_id = headers.get(b"last-event-id")
    try:
        connection = await hub.join(user_id, last_event_id.decode("latin-1") if last_event_id else None)
    except redis.RedisError:
        await _answer(send, 503, unavailable)
        return
    try:
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        if scope["method"] == "GET":
            await _stream(connection, receive, send)
        await send({"type": "http.response.body", "body": b""})
    except OSError:
        pass  # the client went away while we wrote
    finally:
        hub.leave(connection)


async def _stream(connection: Connection, receive: Receive, send: Send) -> None:
    """What is queued for the connection, as it comes, until the client leaves or the server ends it; a
    comment when nothing came for a heartbeat interval."""

    async def watch_for_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        connection.close()

    watcher = asyncio.create_task(watch_for_disconnect())
    heartbeat = settings.LIVE_UPDATES_HEARTBEAT_SECONDS
    try:
        await _body(send, f"retry: {RETRY_MILLISECONDS}\n: connected\n\n".encode())
        while True:
            try:
                async with asyncio.timeout(heartbeat):
                    message = await connection.queue.get()
            except TimeoutError:
                await _body(send, b": heartbeat\n\n")
                continue
            chunks = []
            while message is not None:
                chunks.append(message)
                if connection.queue.empty():
                    break
                message = connection.queue.get_nowait()  # what queued meanwhile goes in the same write
            if chunks:
                await _body(send, b"".join(chunks))
            if message is None:
                return  # ended (shutdown, a client too far behind, or gone): the client reconnects
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _body(send: Send, chunk: bytes) -> None:
    await send({"type": "http.response.body", "body": chunk, "more_body": True})
