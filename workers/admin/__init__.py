"""Django admin of the event pipeline (Django discovers `workers.admin`): dead letters, outbox, processed
events."""

from workers.admin import dead_letters, outbox

__all__ = ["dead_letters", "outbox"]
