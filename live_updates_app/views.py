"""`GET /api/{user_id}/events`: the user's task changes as Server-Sent Events (docs/live-updates.md).

An async view, served only by the live-updates server (ASGI): an open stream holds no thread. Under the
WSGI API it answers 404, so a stream can never pin one of the API's threads. Authentication is the API's:
`Authorization: Bearer <JWT>` (what the UI sends, through `fetch`), or a single-use `?ticket=`; the path's
user must be the caller. Connecting touches Redis only, never PostgreSQL.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from rest_framework.exceptions import AuthenticationFailed

from live_updates_app.hub import Connection, Hub
from live_updates_app.server import current_hub
from live_updates_app.tickets import ticket_redeem
from workers.http.authentication import verify_token
from workers.http.errors import error_body

RETRY_MILLISECONDS = 1000  # how long a client waits before reconnecting (the SSE `retry` field)


def _error(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status, headers=headers)


def _unauthorized(code: str, message: str) -> JsonResponse:
    return _error(401, code, message, **{"WWW-Authenticate": 'Bearer realm="api"'})


async def _caller(request: HttpRequest, hub: Hub) -> str:
    """The verified caller's user id; AuthenticationFailed when there is none."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
            raise AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        # A thread: with a JWKS, an unknown key id fetches the key set over the network.
        claims: dict[str, Any] = await sync_to_async(verify_token, thread_sensitive=False)(token.strip())
        return str(claims["sub"])
    ticket = request.GET.get("ticket")
    if ticket is None:
        raise AuthenticationFailed("Authentication credentials were not provided.", code="not_authenticated")
    user_id = await ticket_redeem(hub.client, ticket)
    if user_id is None:
        raise AuthenticationFailed("The ticket is unknown, expired or already used.")
    return user_id


@require_GET
async def task_events(request: HttpRequest, user_id: str) -> HttpResponseBase:
    if not isinstance(request, ASGIRequest):
        return _error(404, "not_found", "Live updates are served by the live-updates server.")
    hub = current_hub()
    try:
        caller = await _caller(request, hub)
    except AuthenticationFailed as error:
        codes = error.get_codes()
        return _unauthorized(codes if isinstance(codes, str) else "authentication_failed", str(error.detail))
    except redis.RedisError:
        return _error(503, "live_updates_unavailable", "Live updates are unavailable; try again shortly.")
    if caller != user_id:
        return _error(403, "permission_denied", "You do not have permission to perform this action.")
    try:
        connection = await hub.join(user_id, request.headers.get("Last-Event-ID"))
    except redis.RedisError:
        return _error(503, "live_updates_unavailable", "Live updates are unavailable; try again shortly.")
    response = StreamingHttpResponse(_stream(hub, connection), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx and kin: pass each message on at once
    return response


async def _stream(hub: Hub, connection: Connection) -> AsyncIterator[bytes]:
    """What is queued for the connection, as it comes; a comment when nothing came for a heartbeat."""
    heartbeat = settings.LIVE_UPDATES_HEARTBEAT_SECONDS
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n".encode()
        while True:
            try:
                async with asyncio.timeout(heartbeat):
                    message = await connection.queue.get()
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            chunks = []
            while message is not None:
                chunks.append(message)
                if connection.queue.empty():
                    break
                message = connection.queue.get_nowait()  # what queued meanwhile goes in the same write
            if chunks:
                yield b"".join(chunks)
            if message is None:
                return  # ended by the server (shutdown, or a client too far behind): the client reconnects
    finally:
        hub.leave(connection)
