"""The assistant end to end with real processes: what it does goes through the outbox, Kafka, the bridges and
the Celery workers exactly as the task API's writes do.

A quick add with a reminder gets its email (a real SMTP server in this process); "done with ..." on a
recurring task gets its next occurrence from the recurrence worker, and the assistant lists it.
"""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tasks_app.models import Task
from tests.support.api import Api
from tests.support.pipeline import running
from tests.support.processes import ManagedProcess, celery_beat, celery_worker, wait_for_log
from tests.support.reminders import reminder_env
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]


@pytest.fixture(scope="module")
def workers(django_db_setup, smtp, tmp_path_factory) -> Iterator[None]:
    worker = celery_worker(
        "worker-assistant", queues="recurrence,reminders,reminder-deliveries,sweeps", **reminder_env(smtp)
    ).start()
    beat = celery_beat(tmp_path_factory.mktemp("beat") / "schedule", **reminder_env(smtp)).start()
    processes: list[ManagedProcess] = [worker, beat]
    wait_for_log(worker, "ready.")
    wait_for_log(beat, "beat: Starting")
    yield
    for process in processes:
        process.stop()


@pytest.fixture
def system(workers) -> Iterator[None]:
    with running("reminders", "recurrence"):
        yield


def say(api: Api, message: str) -> dict:
    response = api.post("chat", {"message": message})
    assert response.status_code == 200, response.json()
    reply: dict = response.json()
    return reply


def test_a_quick_add_with_a_reminder_gets_its_email_at_the_reminder_time(system, smtp, api, user):
    reply = say(api, "call the dentist in 1 minute, remind me 50 seconds before !high")

    [created] = reply["reply"]["actions"]
    task = Task.objects.get(pk=created["task"]["id"])
    assert task.due_date is not None
    remind_at = task.due_date - timedelta(seconds=50)
    assert task.reminder_at == remind_at
    wait_for(lambda: len(smtp.to(user.email)) == 1, timeout=30, message="the reminder email")
    [received] = smtp.to(user.email)
    assert received.at >= remind_at.timestamp()
    assert received.message["Subject"] == "Reminder: call the dentist"
    time.sleep(1)
    assert len(smtp.to(user.email)) == 1
    assert api.get(f"tasks/{task.pk}").json()["reminder_sent"] is True


def test_done_with_a_recurring_task_brings_its_next_occurrence(system, api, user):
    first = say(api, "water the plants every 2 weeks on mon and thu at 7pm")["reply"]["actions"][0]["task"]
    assert first["recurring_pattern"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"

    done = say(api, "done with water the plants")

    assert [(a["action"], a["task"]["id"]) for a in done["reply"]["actions"]] == [("completed", first["id"])]
    wait_for(
        lambda: Task.objects.filter(parent_task_id=first["id"]).exists(),
        timeout=20,
        message="the next occurrence",
    )
    [following] = Task.objects.filter(parent_task_id=first["id"])
    assert following.due_date is not None
    assert following.due_date > Task.objects.get(pk=first["id"]).due_date  # type: ignore[operator]
    listed = say(api, "list")["reply"]["actions"]
    assert [(a["action"], a["task"]["id"]) for a in listed] == [("listed", following.pk)]
    assert say(api, "done with water the plants")["reply"]["actions"][0]["task"]["id"] == following.pk
