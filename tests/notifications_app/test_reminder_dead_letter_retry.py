"""Retrying a reminder's dead letter with the project's own table (todo_project/dead_letter_retries.py),
including the dead letters recorded before they named their reminder row (a `reminder.scheduled` event
with the task and the instant): those are revived too, never stranded."""

from datetime import UTC, datetime

import pytest

from notifications_app.delivery import DELIVERY_CONSUMER
from notifications_app.models import Reminder
from tests.support.factories import TaskFactory, make_dead_letter
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import NotRetryableError, dead_letters_retry
from workers.events.envelope import build_envelope, iso_utc, to_millis
from workers.events.models import OutboxEvent
from workers.kafka.clients import REMINDERS

pytestmark = pytest.mark.django_db

FAR_REMINDER = datetime(2040, 1, 5, 12, 0, tzinfo=UTC)  # beyond the horizon: revived, not enqueued
FAILED_AT = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def legacy_letter(*, reminder_at: datetime) -> tuple[Reminder, DeadLetter]:
    """A failed reminder and its dead letter as delivery recorded it before: no reminder id."""
    task = TaskFactory(reminder_at=FAR_REMINDER)
    reminder = Reminder.objects.create(
        task_id=task.pk,
        user_id=task.user_id,
        remind_at=FAR_REMINDER,
        status=Reminder.Status.FAILED,
        failure=Reminder.Failure.SMTP,
        attempts=11,
    )
    envelope = build_envelope(
        event_type="reminder.scheduled",
        task_id=task.pk,
        user_id=task.user_id,
        payload={"task_id": task.pk, "reminder_at": iso_utc(reminder_at)},
        millis=to_millis(reminder_at),
    )
    record = make_dead_letter(
        consumer=DELIVERY_CONSUMER,
        topic=REMINDERS,
        envelope=envelope,
        at=FAILED_AT,
        task_id=task.pk,
        user_id=task.user_id,
    )
    return reminder, record


def test_a_dead_letter_without_its_reminder_id_revives_the_reminder_of_its_task_and_instant():
    reminder, record = legacy_letter(reminder_at=FAR_REMINDER)

    dead_letters_retry(records=[record], at=FAILED_AT)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.SCHEDULED, 0)
    assert DeadLetter.objects.get(pk=record.pk).status == DeadLetter.Status.RETRIED
    assert not OutboxEvent.objects.filter(origin=OutboxEvent.Origin.REPLAY).exists()


def test_a_dead_letter_naming_no_reminder_that_exists_is_refused_and_nothing_changes():
    reminder, record = legacy_letter(reminder_at=datetime(2041, 1, 1, tzinfo=UTC))

    with pytest.raises(NotRetryableError, match="names no reminder that exists"):
        dead_letters_retry(records=[record], at=FAILED_AT)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED
    assert DeadLetter.objects.get(pk=record.pk).status == DeadLetter.Status.NEW
