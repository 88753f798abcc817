"""factory_boy factories and a JWT factory for the suite."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import factory
import jwt
from django.conf import settings

from notifications_app.delivery import DELIVERY_CONSUMER, REMINDER_DELIVERY_FAILED
from notifications_app.models import Reminder
from tasks_app.models import Task, UserProfile
from tasks_app.reminders import ReminderSpec, store
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import build_envelope, iso_utc, to_millis
from workers.kafka.clients import REMINDERS, TASK_EVENTS

OLD_FAILURE = datetime(2025, 1, 5, 12, 0, tzinfo=UTC)
FAR_REMINDER = datetime(2040, 1, 5, 12, 0, tzinfo=UTC)  # far beyond the horizon: revived, not enqueued


class UserProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile

    id = factory.LazyFunction(lambda: f"user-{uuid.uuid4().hex[:12]}")
    email = factory.LazyAttribute(lambda user: f"{user.id}@example.com")
    name = factory.Faker("name")
    timezone = "UTC"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    user = factory.SubFactory(UserProfileFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    created_at = factory.LazyFunction(lambda: datetime.now(tz=UTC))
    updated_at = factory.LazyAttribute(lambda task: task.created_at)
    reminder_at = None
    reminder_sent = False
    # The one reminder that reminder_at and reminder_sent stand for (tasks_app/reminders.py), unless given.
    reminders = factory.LazyAttribute(
        lambda task: (
            []
            if task.reminder_at is None
            else store(
                [ReminderSpec(at=task.reminder_at)],
                due_date=None,  # an instant does not depend on it
                done=[task.reminder_at] if task.reminder_sent else [],
            ).reminders
        )
    )


def make_token(
    sub: str | None,
    *,
    key: Any = None,
    algorithm: str = "HS256",
    expires_in: timedelta = timedelta(minutes=15),
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A JWT as Better Auth would issue it; HS256 with the configured secret unless told otherwise."""
    payload: dict[str, Any] = {"iat": datetime.now(tz=UTC), "exp": datetime.now(tz=UTC) + expires_in}
    if sub is not None:
        payload["sub"] = sub
    payload.update(claims)
    return jwt.encode(
        payload, key if key is not None else settings.BETTER_AUTH_SECRET, algorithm=algorithm, headers=headers
    )


def make_dead_letter(
    *,
    event_type: str = "task.completed",
    topic: str = TASK_EVENTS,
    consumer: str = "recurrence",
    message: str = "the next occurrence could not be computed",
    at: datetime | None = None,
    envelope: object = None,
    user_id: str | None = None,
    task_id: int | None = None,
) -> DeadLetter:
    """A dead letter as a failing consumer records it, with a real exception and its traceback."""
    at = at or datetime.now(tz=UTC)
    user_id = user_id or f"user-{uuid.uuid4().hex[:12]}"
    task_id = task_id if task_id is not None else 10**9 + uuid.uuid4().int % 10**9
    if envelope is None:
        envelope = build_envelope(
            event_type=event_type,
            task_id=task_id,
            user_id=user_id,
            payload={"title": "Water <the> plants"},
            millis=to_millis(at),
        )
    try:
        raise RuntimeError(message)
    except RuntimeError as raised:
        error = raised
    failed = FailedEvent(
        topic=topic, consumer=consumer, envelope=envelope, key=user_id, partition=3, offset=42
    )
    return dead_letter(failed=failed, error=error, at=at)


def failed_reminder_letter(status: Reminder.Status = Reminder.Status.FAILED) -> tuple[Reminder, DeadLetter]:
    """A reminder the delivery gave up on (as `status` now), and its dead letter."""
    task = TaskFactory(reminder_at=FAR_REMINDER)
    reminder = Reminder.objects.create(
        task_id=task.pk,
        user_id=task.user_id,
        remind_at=FAR_REMINDER,
        status=status,
        failure=Reminder.Failure.SMTP,
        attempts=11,
    )
    envelope = build_envelope(
        event_type=REMINDER_DELIVERY_FAILED,
        task_id=task.pk,
        user_id=task.user_id,
        payload={"task_id": task.pk, "reminder_id": reminder.pk, "reminder_at": iso_utc(FAR_REMINDER)},
        millis=to_millis(OLD_FAILURE),
    )
    record = make_dead_letter(consumer=DELIVERY_CONSUMER, topic=REMINDERS, envelope=envelope, at=OLD_FAILURE)
    return reminder, record
