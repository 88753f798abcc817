"""The consumers whose dead letters are retried by their own service rather than by publishing the event.

`settings.DEAD_LETTER_RETRIES` names this table (consumer name -> handler); workers.dead_letters uses it
without knowing the apps. A consumer missing here has its events published again to their topic.
"""

from datetime import datetime

from notifications_app.delivery import DELIVERY_CONSUMER
from notifications_app.services import ReminderNotRevivableError, reminder_revive
from notifications_app.tasks import enqueue_delivery
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import NotRetryableError, RetryHandler


def _revive_reminder(record: DeadLetter, at: datetime) -> None:
    """A reminder that failed its delivery: revived by the notifications app itself."""
    payload = record.envelope.get("payload")  # an envelope: unreadable ones are refused before
    reminder_id = payload.get("reminder_id") if isinstance(payload, dict) else None
    if not isinstance(reminder_id, int):  # recorded before reminders' dead letters named their row
        raise NotRetryableError(f"{record.event_id} does not name its reminder: discard it")
    try:
        reminder_revive(reminder_id=reminder_id, now=at, enqueue=enqueue_delivery)
    except ReminderNotRevivableError as error:
        raise NotRetryableError(f"{record.event_id}: {error}") from error


RETRIES: dict[str, RetryHandler] = {DELIVERY_CONSUMER: _revive_reminder}
