"""The app's models, where Django looks for them; each is defined with the code that owns it."""

from workers.dead_letters.models import DeadLetter
from workers.events.models import OutboxEvent, ProcessedEvent

__all__ = ["DeadLetter", "OutboxEvent", "ProcessedEvent"]
