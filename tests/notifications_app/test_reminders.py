"""Reminder emails through the real pipeline: API -> outbox -> relay -> Kafka -> bridge -> Celery -> SMTP.

A real SMTP server (aiosmtpd) runs in the test process; the Celery worker and beat are real processes.
The scheduling horizon is 3 s here, so "beyond the horizon" needs only a few seconds of waiting.
"""

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from notifications_app.delivery import REMINDER_DELIVERY_FAILED
from notifications_app.models import Reminder
from tasks_app.models import Task
from tests.support.api import Api
from tests.support.factories import make_token
from tests.support.outbox import outbox_envelopes
from tests.support.pipeline import running
from tests.support.processes import ManagedProcess, celery_worker, wait_for_log
from tests.support.reminders import HORIZON, reminder_env
from tests.support.times import iso, next_second_after
from tests.support.waiting import wait_for
from workers.dead_letters.models import DeadLetter
from workers.kafka.clients import REMINDERS, make_producer, physical_topic

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]


@pytest.fixture(scope="module")
def worker(django_db_setup, smtp) -> Iterator[ManagedProcess]:
    process = celery_worker(
        "worker-reminders", queues="reminders,reminder-deliveries,sweeps", **reminder_env(smtp)
    ).start()
    wait_for_log(process, "ready.")
    yield process
    process.stop()


@pytest.fixture
def system(worker, beat) -> Iterator[None]:
    with running("reminders"):
        yield


def test_one_email_at_the_reminder_time_with_the_right_content(system, smtp, api, user):
    remind_at = next_second_after(2)
    due = remind_at + timedelta(hours=1)
    body = api.post(
        "tasks",
        {
            "title": "Call the dentist",
            "description": "Ask about Tuesday",
            "due_date": iso(due),
            "reminder_at": iso(remind_at),
        },
    ).json()

    wait_for(lambda: len(smtp.to(user.email)) == 1, timeout=15, message="the reminder email")
    [received] = smtp.to(user.email)
    assert received.at >= remind_at.timestamp()
    assert received.message["Subject"] == "Reminder: Call the dentist"
    assert received.message_id == f"<reminder-{body['id']}-{int(remind_at.timestamp() * 1000)}@localhost>"
    text = received.part("text/plain")
    assert "Ask about Tuesday" in text
    assert f"/tasks/{body['id']}" in text
    assert "Call the dentist" in received.part("text/html")
    time.sleep(1.5)
    assert len(smtp.to(user.email)) == 1
    reminder = Reminder.objects.get(task_id=body["id"])
    assert reminder.status == Reminder.Status.SENT
    assert reminder.lateness_ms is not None
    assert reminder.lateness_ms >= 0
    assert api.get(f"tasks/{body['id']}").json()["reminder_sent"] is True


def test_changes_before_the_instant_are_obeyed(system, smtp, api, user):
    remind_at = next_second_after(3)
    moved_to = remind_at + timedelta(seconds=3)
    ids = [
        api.post("tasks", {"title": f"t{n}", "reminder_at": iso(remind_at)}).json()["id"] for n in range(4)
    ]
    moved, removed, completed, deleted = ids
    api.patch(f"tasks/{moved}", {"reminder_at": iso(moved_to)})
    api.patch(f"tasks/{removed}", {"reminder_at": None})
    api.patch(f"tasks/{completed}/complete", {"completed": True})
    api.delete(f"tasks/{deleted}")

    wait_for(lambda: len(smtp.to(user.email)) >= 1, timeout=20, message="the moved reminder")
    time.sleep(1.5)
    [received] = smtp.to(user.email)
    assert received.message["Subject"] == "Reminder: t0"
    assert received.at >= moved_to.timestamp()
    # Each was either never scheduled (the change came first) or cancelled; none is left to fire.
    others = Reminder.objects.filter(task_id__in=[removed, completed, deleted])
    assert set(others.values_list("status", flat=True)) <= {Reminder.Status.CANCELLED}


def test_a_reminder_beyond_the_horizon_is_enqueued_by_beat_and_delivered_on_time(system, smtp, api, user):
    remind_at = next_second_after(HORIZON + 4)
    task_id = api.post("tasks", {"title": "Later", "reminder_at": iso(remind_at)}).json()["id"]
    wait_for(lambda: Reminder.objects.filter(task_id=task_id).exists(), timeout=10, message="scheduled")
    assert Reminder.objects.get(task_id=task_id).status == Reminder.Status.SCHEDULED

    wait_for(lambda: len(smtp.to(user.email)) == 1, timeout=20, message="delivered")
    [received] = smtp.to(user.email)
    assert remind_at.timestamp() <= received.at < remind_at.timestamp() + 1.0


def test_the_same_reminder_event_three_times_sends_one_email(system, smtp, api, user):
    remind_at = next_second_after(3)
    api.post("tasks", {"title": "Once", "reminder_at": iso(remind_at)})
    [scheduled] = outbox_envelopes(user.id, "reminder.scheduled")
    producer = make_producer()
    for _ in range(3):
        producer.produce(physical_topic(REMINDERS), key=user.id, value=json.dumps(scheduled).encode())
    assert producer.flush(10) == 0

    wait_for(lambda: len(smtp.to(user.email)) == 1, timeout=15, message="the email")
    time.sleep(2)
    assert len(smtp.to(user.email)) == 1


def test_smtp_refusals_are_retried_on_the_schedule(system, smtp, api, user):
    smtp.refuse = 3
    remind_at = next_second_after(2)
    task_id = api.post("tasks", {"title": "Persistent", "reminder_at": iso(remind_at)}).json()["id"]

    wait_for(lambda: len(smtp.to(user.email)) == 1, timeout=20, message="delivered after three refusals")
    assert smtp.refuse == 0
    # The server's 250 comes a moment before the worker records it.
    wait_for(
        lambda: Reminder.objects.get(task_id=task_id).status == Reminder.Status.SENT,
        timeout=10,
        message="the delivery recorded",
    )
    assert Reminder.objects.get(task_id=task_id).attempts == 4


def test_after_the_tenth_retry_the_reminder_fails_into_the_dead_letter_queue(system, smtp, api, user):
    smtp.refuse = 1000
    try:
        remind_at = next_second_after(2)
        task_id = api.post("tasks", {"title": "Doomed", "reminder_at": iso(remind_at)}).json()["id"]
        wait_for(
            lambda: DeadLetter.objects.filter(task_id=task_id).exists(), timeout=30, message="dead-lettered"
        )
    finally:
        smtp.refuse = 0
    reminder = Reminder.objects.get(task_id=task_id)
    assert (reminder.status, reminder.failure, reminder.attempts) == (Reminder.Status.FAILED, "smtp", 11)
    letter = DeadLetter.objects.get(task_id=task_id)
    assert (letter.consumer, letter.original_topic, letter.attempts) == ("reminders-delivery", REMINDERS, 11)
    assert letter.envelope["event_type"] == REMINDER_DELIVERY_FAILED
    assert smtp.to(user.email) == []
    assert Task.objects.get(pk=task_id).reminder_sent is False


def test_a_user_without_email_fails_with_a_reason_and_no_retries(system, smtp, api, user):
    user.email = ""
    user.save()
    api = Api(user.id, make_token(user.id))  # a token without an email claim, like the profile now
    task_id = api.post("tasks", {"title": "Nowhere", "reminder_at": iso(next_second_after(1))}).json()["id"]

    wait_for(
        lambda: Reminder.objects.filter(task_id=task_id, status=Reminder.Status.FAILED).exists(),
        timeout=15,
        message="failed",
    )
    reminder = Reminder.objects.get(task_id=task_id)
    assert reminder.failure == "no_email"
    assert "no email address" in reminder.last_error
    assert reminder.attempts == 0
