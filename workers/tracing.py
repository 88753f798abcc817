"""W3C trace context: the `traceparent` of the current request travels with the events it causes."""

import re
import secrets
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")

current_traceparent: ContextVar[str | None] = ContextVar("current_traceparent", default=None)


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def traceparent_for_event() -> str:
    """The caller's trace with a fresh span id, or a new trace when there is none."""
    incoming = current_traceparent.get()
    if incoming is None:
        return new_traceparent()
    trace_id = incoming.split("-")[1]
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


class TraceContextMiddleware:
    """Keeps a valid incoming `traceparent` header for the duration of the request."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("traceparent", "").strip().lower()
        token = current_traceparent.set(header if TRACEPARENT.match(header) else None)
        try:
            response: HttpResponse = self.get_response(request)
        finally:
            current_traceparent.reset(token)
        return response
