"""The web side of W3C trace context: a valid incoming `traceparent` header becomes the request's trace."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from workers.events.trace_context import TRACEPARENT, current_traceparent


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
