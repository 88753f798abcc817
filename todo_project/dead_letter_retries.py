"""The consumers whose dead letters are retried by their own service rather than by publishing the event.

`settings.DEAD_LETTER_RETRIES` names this table (consumer name -> handler); workers.dead_letters uses it
without knowing the apps. A consumer missing here has its events published again to their topic.
"""

from datetime import datetime

from notifications_app.delivery import DELIVERY_CONSUMER
from notifications_app.selectors import reminder_id_at
from notifications_app.services import ReminderNotRevivableError, reminder_revive
from notifications_app.tasks import enqueue_delivery
from webhooks_app.delivery import DELIVERY_CONSUMER as WEBHOOK_DELIVERY_CONSUMER
from webhooks_app.services import DeliveryNotRevivableError, delivery_revive
from webhooks_app.tasks import enqueue_delivery as enqueue_webhook_delivery
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import NotRetryableError, RetryHandler


def _revive_reminder(record: DeadLetter, at: datetime) -> None:
    """A reminder that failed its delivery: revived by the notifications app itself."""
    payload = record.envelope.get("payload")  # an envelope: unreadable ones are refused before
    reminder_id = payload.get("reminder_id") if isinstance(payload, dict) else None
    if not isinstance(reminder_id, int):
        # Recorded before reminders' dead letters named their row (a `reminder.scheduled` event): the
        # reminder is found by its task and instant, which identify it.
        reminder_id = _legacy_reminder_id(record, payload)
    try:
        reminder_revive(reminder_id=reminder_id, now=at, enqueue=enqueue_delivery)
    except ReminderNotRevivableError as error:
        raise NotRetryableError(f"{record.event_id}: {error}") from error


def _legacy_reminder_id(record: DeadLetter, payload: object) -> int:
    reminder_at = payload.get("reminder_at") if isinstance(payload, dict) else None
    try:
        remind_at = datetime.fromisoformat(reminder_at) if isinstance(reminder_at, str) else None
    except ValueError:
        remind_at = None
    found = (
        reminder_id_at(task_id=record.task_id, remind_at=remind_at)
        if record.task_id is not None and remind_at is not None
        else None
    )
    if found is None:
        raise NotRetryableError(f"{record.event_id} names no reminder that exists: discard it")
    return found


def _revive_webhook_delivery(record: DeadLetter, at: datetime) -> None:
    """A webhook delivery that failed: sent again by the webhooks app, with a full retry schedule."""
    payload = record.envelope.get("payload")
    delivery_id = payload.get("delivery_id") if isinstance(payload, dict) else None
    if not isinstance(delivery_id, int):
        raise NotRetryableError(f"{record.event_id} names no webhook delivery")
    try:
        delivery_revive(delivery_id=delivery_id, at=at, enqueue=enqueue_webhook_delivery)
    except DeliveryNotRevivableError as error:
        raise NotRetryableError(f"{record.event_id}: {error}") from error


RETRIES: dict[str, RetryHandler] = {
    DELIVERY_CONSUMER: _revive_reminder,
    WEBHOOK_DELIVERY_CONSUMER: _revive_webhook_delivery,
}
