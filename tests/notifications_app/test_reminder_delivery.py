"""Delivering due reminders without Celery: claims, sends to a real SMTP server (aiosmtpd), outcomes."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.db import connections

from notifications_app.delivery import REMINDER_DELIVERY_FAILED, reminders_deliver_due
from notifications_app.email import close_connection
from notifications_app.models import Reminder
from notifications_app.services import reminder_sync, reminders_enqueue_due
from notifications_app.tasks import DELIVERY_QUEUE
from tasks_app.models import Task
from tests.support.celery_queue import empty, queued
from tests.support.factories import UserProfileFactory
from tests.support.outbox import outbox_envelopes
from tests.support.ports import free_port
from tests.support.reminders import enqueued_task, set_reminders
from tests.support.smtp import SmtpSink
from tests.support.times import FakeClock
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import NotRetryableError, dead_letters_retry
from workers.events.envelope import iso_utc
from workers.events.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mail(settings, smtp: SmtpSink) -> Iterator[SmtpSink]:
    """The sink as this process's SMTP server; each test starts on a fresh connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # not the test runner's locmem
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.RETRY_DELAY_SCALE = 1.0
    close_connection()
    yield smtp
    close_connection()
    smtp.refuse = 0
    smtp.delay = 0.0


class Deliveries:
    """Runs `reminders_deliver_due` and keeps what it asked of Celery; on the real clock unless given one."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.enqueued: list[datetime] = []
        self.help_calls = 0
        self.now: Callable[[], datetime] = clock.now if clock else lambda: datetime.now(tz=UTC)
        self.sleep: Callable[[float], None] = clock.sleep if clock else time.sleep

    def run(self, *, until: datetime | None = None, wait: bool = False, batch_size: int = 50) -> int:
        def call_for_help() -> None:
            self.help_calls += 1

        return reminders_deliver_due(
            until=until or self.now(),
            wait=wait,
            batch_size=batch_size,
            now=self.now,
            sleep=self.sleep,
            enqueue=self.enqueued.append,
            call_for_help=call_for_help,
        )


def test_due_reminders_are_sent_once_each_and_recorded(mail):
    remind_at = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(seconds=1)
    tasks = [enqueued_task(remind_at) for _ in range(3)]
    deliveries = Deliveries()

    assert deliveries.run(batch_size=2) == 3
    assert deliveries.run() == 0

    for task in tasks:
        [received] = mail.to(task.user.email)
        assert received.message_id == f"<reminder-{task.pk}-{int(remind_at.timestamp() * 1000)}@localhost>"
        reminder = Reminder.objects.get(task_id=task.pk)
        assert (reminder.status, reminder.attempts, reminder.version) == (Reminder.Status.SENT, 1, 3)
        assert reminder.sent_at is not None
        assert reminder.lateness_ms == pytest.approx((reminder.sent_at - remind_at).total_seconds() * 1000)
        stored = Task.objects.get(pk=task.pk)
        # Marked through tasks_app's service, as any task write: updated_at and a task.updated event.
        assert (stored.reminder_sent, stored.updated_at > task.updated_at) == (True, True)
        [updated] = outbox_envelopes(task.user_id, "task.updated")
        assert updated["payload"]["changed"] == ["reminders", "reminder_sent"]
        assert updated["payload"]["task"]["reminder_sent"] is True
    assert deliveries.help_calls == 1  # the first batch of two was full: more could have been waiting


def test_waiting_delivers_each_reminder_of_the_second_at_its_time_and_no_later_one(mail):
    now = datetime.now(tz=UTC)
    soon = enqueued_task(now + timedelta(milliseconds=400))
    later = enqueued_task(now + timedelta(seconds=3))

    assert Deliveries().run(until=now + timedelta(seconds=1), wait=True) == 1

    [received] = mail.to(soon.user.email)
    assert soon.reminder_at is not None
    assert received.at >= soon.reminder_at.timestamp()
    assert mail.to(later.user.email) == []
    assert Reminder.objects.get(task_id=later.pk).status == Reminder.Status.ENQUEUED


def test_each_reminder_of_a_task_is_sent_at_its_own_instant(mail):
    now = datetime.now(tz=UTC)
    first, second = now - timedelta(seconds=1), now + timedelta(seconds=1.5)
    task = enqueued_task(first, due_date=now + timedelta(hours=1))
    set_reminders(task, first, second)
    reminder_sync(task_id=task.pk, user_id=task.user_id, now=now, enqueue=lambda _: None)

    assert Deliveries().run(until=second + timedelta(seconds=1), wait=True) == 2

    received = mail.to(task.user.email)
    assert [email.message_id for email in received] == [
        f"<reminder-{task.pk}-{int(instant.timestamp() * 1000)}@localhost>" for instant in (first, second)
    ]
    assert received[1].at >= second.timestamp()  # never early
    assert (
        list(Reminder.objects.filter(task_id=task.pk).values_list("status", flat=True))
        == [Reminder.Status.SENT] * 2
    )
    task.refresh_from_db()
    assert (task.reminder_at, task.reminder_sent) == (second, True)
    changes = [event["payload"]["changed"] for event in outbox_envelopes(task.user_id, "task.updated")]
    assert changes == [["reminders", "reminder_at"], ["reminders", "reminder_sent"]]


def test_what_changed_since_the_reminder_was_enqueued_is_obeyed(mail):
    remind_at = datetime.now(tz=UTC) - timedelta(seconds=1)
    completed, moved, removed, deleted = (enqueued_task(remind_at) for _ in range(4))
    Task.objects.filter(pk=completed.pk).update(completed=True)
    set_reminders(moved, remind_at + timedelta(hours=1))
    set_reminders(removed)
    Task.objects.filter(pk=deleted.pk).delete()

    assert Deliveries().run() == 0

    assert mail.to(completed.user.email) + mail.to(moved.user.email) == []
    assert mail.to(removed.user.email) + mail.to(deleted.user.email) == []
    statuses = Reminder.objects.filter(task_id__in=[t.pk for t in (completed, moved, removed, deleted)])
    assert list(statuses.values_list("status", flat=True).distinct()) == [Reminder.Status.CANCELLED]


def test_a_user_without_an_email_fails_at_once_with_the_reason(mail):
    task = enqueued_task(datetime.now(tz=UTC) - timedelta(seconds=1), user=UserProfileFactory(email=""))

    assert Deliveries().run() == 0

    reminder = Reminder.objects.get(task_id=task.pk)
    assert (reminder.status, reminder.failure, reminder.attempts) == (Reminder.Status.FAILED, "no_email", 0)
    assert reminder.last_error == f"user {task.user_id} has no email address"


def test_a_refused_message_waits_for_its_retry_and_the_others_are_sent(mail):
    remind_at = datetime.now(tz=UTC) - timedelta(seconds=1)
    refused, accepted = enqueued_task(remind_at), enqueued_task(remind_at)
    mail.refuse = 1  # the first DATA of the batch is answered 451
    clock = FakeClock()
    deliveries = Deliveries(clock)

    assert deliveries.run() == 1

    reminder = Reminder.objects.get(task_id=refused.pk)
    # Enqueued again for its retry: a transition, so its version grows (1 created, 2 enqueued, 3 now).
    assert (reminder.status, reminder.attempts, reminder.version) == (Reminder.Status.ENQUEUED, 1, 3)
    assert "451" in reminder.last_error
    assert reminder.next_attempt_at is not None
    # The reminders policy: the first retry after 1 s; its delivery task is enqueued for then.
    assert reminder.next_attempt_at == clock.now() + timedelta(seconds=1)
    assert deliveries.enqueued == [reminder.next_attempt_at]
    assert len(mail.to(accepted.user.email)) == 1

    clock.advance(0.999)
    assert deliveries.run() == 0  # not due again yet
    clock.advance(0.001)
    assert deliveries.run() == 1
    assert len(mail.to(refused.user.email)) == 1
    assert Reminder.objects.get(task_id=refused.pk).attempts == 2


def failed_for_good(mail: SmtpSink) -> tuple[Task, DeadLetter]:
    """A task whose reminder the SMTP server refused an eleventh time: failed, and dead-lettered."""
    task = enqueued_task(datetime.now(tz=UTC) - timedelta(seconds=1))
    Reminder.objects.filter(task_id=task.pk).update(attempts=10)  # ten attempts have failed already
    mail.refuse = 1
    assert Deliveries().run() == 0
    return task, DeadLetter.objects.get(task_id=task.pk)


def test_the_eleventh_refusal_fails_the_reminder_into_the_dead_letter_queue(mail):
    task, letter = failed_for_good(mail)

    reminder = Reminder.objects.get(task_id=task.pk)
    assert (reminder.status, reminder.failure, reminder.attempts) == (Reminder.Status.FAILED, "smtp", 11)
    assert (letter.consumer, letter.attempts, letter.event_type) == (
        "reminders-delivery",
        11,
        REMINDER_DELIVERY_FAILED,
    )
    assert letter.envelope["payload"]["reminder_at"] == iso_utc(reminder.remind_at)
    assert "451" in letter.error_message
    assert Task.objects.get(pk=task.pk).reminder_sent is False


def test_retrying_the_dead_letter_revives_the_reminder_in_place_and_it_is_sent(mail):
    task, letter = failed_for_good(mail)
    failed = Reminder.objects.get(task_id=task.pk)
    empty(DELIVERY_QUEUE)

    dead_letters_retry(records=[letter])  # what the admin's action and the operators' API call

    reminder = Reminder.objects.get(task_id=task.pk)
    # Revived (scheduled) and, being overdue, enqueued at once: two transitions.
    assert (reminder.status, reminder.attempts, reminder.failure) == (Reminder.Status.ENQUEUED, 0, "")
    assert reminder.version == failed.version + 2
    assert DeadLetter.objects.get(pk=letter.pk).status == DeadLetter.Status.RETRIED
    # No event fabricated and published: the delivery task is enqueued directly.
    assert not OutboxEvent.objects.filter(origin=OutboxEvent.Origin.REPLAY).exists()
    assert [message.name for message in queued(DELIVERY_QUEUE)] == ["notifications.deliver_due_reminders"]
    empty(DELIVERY_QUEUE)

    assert Deliveries().run() == 1
    assert len(mail.to(task.user.email)) == 1
    assert Task.objects.get(pk=task.pk).reminder_sent is True


def test_the_dead_letter_of_a_reminder_its_task_no_longer_wants_is_not_retried(mail):
    task, letter = failed_for_good(mail)
    Task.objects.filter(pk=task.pk).update(completed=True)

    with pytest.raises(NotRetryableError, match="no longer wants a reminder"):
        dead_letters_retry(records=[letter])

    assert DeadLetter.objects.get(pk=letter.pk).status == DeadLetter.Status.NEW
    assert Reminder.objects.get(task_id=task.pk).status == Reminder.Status.FAILED


def test_a_server_refusing_connections_fails_the_whole_batch_into_its_retry(mail, settings):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    remind_at = datetime.now(tz=UTC) - timedelta(seconds=1)
    tasks = [enqueued_task(remind_at) for _ in range(3)]
    deliveries = Deliveries()

    assert deliveries.run() == 0

    reminders = Reminder.objects.filter(task_id__in=[task.pk for task in tasks])
    assert {(r.status, r.attempts) for r in reminders} == {(Reminder.Status.ENQUEUED, 1)}
    assert {r.last_error for r in reminders} == {reminders[0].last_error}
    assert "Connection refused" in reminders[0].last_error
    assert len(set(deliveries.enqueued)) == 1


def test_the_email_rendered_at_enqueueing_is_sent_unless_the_task_changed_since(mail):
    remind_at = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(seconds=1)
    unchanged, renamed = enqueued_task(remind_at, title="Water the plants"), enqueued_task(remind_at)
    prepared = Reminder.objects.get(task_id=unchanged.pk)
    assert prepared.message is not None
    assert b"Subject: Reminder: Water the plants" in bytes(prepared.message)
    Task.objects.filter(pk=renamed.pk).update(title="Renamed after enqueueing")

    assert Deliveries().run() == 2

    [first] = mail.to(unchanged.user.email)
    [second] = mail.to(renamed.user.email)
    assert first.message["Subject"] == "Reminder: Water the plants"
    assert second.message["Subject"] == "Reminder: Renamed after enqueueing"
    # Dated at the reminder's instant, whenever it was rendered.
    assert {parsedate_to_datetime(m.message["Date"]) for m in (first, second)} == {remind_at}
    assert {r.message for r in Reminder.objects.filter(task_id__in=[unchanged.pk, renamed.pk])} == {None}


def test_a_reminder_whose_email_cannot_be_made_fails_alone_at_once_into_the_dead_letter_queue(mail):
    remind_at = datetime.now(tz=UTC) - timedelta(seconds=1)
    broken = enqueued_task(remind_at, user=UserProfileFactory(timezone="Nowhere/Atlantis"))
    fine = enqueued_task(remind_at)
    assert Reminder.objects.get(task_id=broken.pk).message is None  # rendering ahead failed, quietly
    deliveries = Deliveries()

    assert deliveries.run() == 1

    assert len(mail.to(fine.user.email)) == 1
    reminder = Reminder.objects.get(task_id=broken.pk)
    # Data that cannot make an email will not make one on a retry either: failed now, with its reason.
    assert (reminder.status, reminder.failure, reminder.attempts) == (
        Reminder.Status.FAILED,
        Reminder.Failure.INVALID_EMAIL,
        1,
    )
    assert "Atlantis" in reminder.last_error
    assert deliveries.enqueued == []  # no retry planned
    letter = DeadLetter.objects.get(task_id=broken.pk)
    assert (letter.consumer, letter.attempts) == ("reminders-delivery", 1)
    assert "Atlantis" in letter.error_message


def test_a_title_with_line_breaks_is_sent_under_a_one_line_subject(mail):
    task = enqueued_task(datetime.now(tz=UTC) - timedelta(seconds=1), title="Pay\nthe rent\r\n  today")

    assert Deliveries().run() == 1

    [received] = mail.to(task.user.email)
    assert received.message["Subject"] == "Reminder: Pay the rent today"
    assert Reminder.objects.get(task_id=task.pk).status == Reminder.Status.SENT


def test_a_slow_smtp_server_never_makes_a_live_senders_reminders_look_lost(mail, settings):
    """Each message takes longer than the lost-reminder threshold: the scan and a second worker, running
    all the while, never take the rows the first worker is still sending."""
    mail.delay = settings.REMINDER_LOST_AFTER_SECONDS + 0.5
    remind_at = datetime.now(tz=UTC) - timedelta(seconds=1)
    tasks = [enqueued_task(remind_at) for _ in range(3)]
    first, second = Deliveries(), Deliveries()
    delivered: list[int] = []

    def send() -> None:
        try:
            delivered.append(first.run())
        finally:
            close_connection()
            connections.close_all()

    sender = threading.Thread(target=send)
    sender.start()
    handed_again: list[datetime] = []
    while sender.is_alive():
        time.sleep(0.5)
        reminders_enqueue_due(now=datetime.now(tz=UTC), enqueue=handed_again.append)
        delivered.append(second.run())
    sender.join()

    for task in tasks:
        assert len(mail.to(task.user.email)) == 1
    assert sorted(delivered) == [0] * (len(delivered) - 1) + [3]  # all three by the first worker
    assert handed_again == []  # the scan never took them for lost
    assert set(Reminder.objects.values_list("status", "attempts")) == {(Reminder.Status.SENT, 1)}
