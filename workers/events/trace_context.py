"""W3C trace context: the `traceparent` of the current request travels with the events it causes.

The web middleware (`workers.http.tracing`) sets it per request; `emit()` reads it for each event.
"""

import re
import secrets
from contextvars import ContextVar

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
