"""End to end with real processes: API -> outbox -> relay -> Kafka -> bridge -> Celery worker -> next task."""

import json
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from django.urls import reverse

from tasks_app.models import Task
from tests.support.kafka import consume
from tests.support.outbox import outbox_envelopes
from tests.support.pipeline import running
from tests.support.processes import ManagedProcess, celery_beat, celery_worker, wait_for_log
from tests.support.waiting import wait_for
from workers.dead_letters.models import DeadLetter
from workers.events.models import ProcessedEvent
from workers.kafka.clients import TASK_EVENTS, make_producer, physical_topic
from workers.relay.database import connection_params

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

RECURRING = {
    "title": "Water the plants",
    "due_date": "2031-05-05T07:00:00Z",
    "timezone": "Europe/Berlin",
    "recurring_pattern": "FREQ=WEEKLY;BYDAY=MO,TH",
}


@pytest.fixture
def system() -> Iterator[None]:
    with running("recurrence"):
        yield


@pytest.fixture
def worker(django_db_setup) -> Iterator[ManagedProcess]:
    process = celery_worker("worker-recurrence", queues="recurrence", RETRY_DELAY_SCALE="0.001").start()
    wait_for_log(process, "ready.")
    yield process
    process.stop()


def occurrences(task_id: int) -> list[Task]:
    return list(Task.objects.filter(parent_task_id=task_id))


def test_completing_a_recurring_task_creates_the_next_one_visible_through_the_api(system, worker, api):
    task_id = api.post("tasks", RECURRING).json()["id"]
    assert api.patch(f"tasks/{task_id}/complete", {"completed": True}).status_code == 200

    wait_for(lambda: len(occurrences(task_id)) == 1, timeout=20, message="the next occurrence")
    listed = api.get("tasks", completed="false").json()["results"]
    [following] = [task for task in listed if task["parent_task_id"] == task_id]
    assert following["due_date"] == "2031-05-08T07:00:00Z"  # Monday -> Thursday, 09:00 Berlin summer time
    assert following["title"] == "Water the plants"
    assert api.get(f"tasks/{task_id}").json()["next_occurrence"] == "2031-05-08T07:00:00Z"


def test_the_same_event_delivered_three_more_times_creates_one_occurrence(system, worker, api, user):
    task_id = api.post("tasks", RECURRING).json()["id"]
    api.patch(f"tasks/{task_id}/complete", {"completed": True})
    wait_for(lambda: len(occurrences(task_id)) == 1, timeout=20, message="the first occurrence")
    [completed] = outbox_envelopes(user.id, "task.completed")

    producer = make_producer()
    for _ in range(3):
        producer.produce(physical_topic(TASK_EVENTS), key=user.id, value=json.dumps(completed).encode())
    assert producer.flush(10) == 0
    wait_for(
        lambda: worker.log().count(f"duplicate {completed['event_id']} ignored") == 3,
        timeout=30,
        message="the three copies handled by the worker (in one batch or more)",
    )

    assert len(occurrences(task_id)) == 1
    assert ProcessedEvent.objects.filter(event_id=completed["event_id"]).count() == 1


def test_a_worker_killed_while_handling_the_event_leaves_exactly_one_occurrence_within_seconds(
    system, api, tmp_path
):
    """With `make run`'s settings: Celery's broker would hand the killed worker's event out again only
    after its one-hour visibility timeout; the owed-occurrence sweep (beat) does the work instead."""
    first = celery_worker("worker-killed", queues="recurrence").start()
    beat = celery_beat(tmp_path / "schedule").start()
    wait_for_log(first, "ready.")
    task_id = api.post("tasks", RECURRING).json()["id"]
    # Hold the task's row: the worker's handler blocks on it in the middle of its transaction.
    holder = psycopg.connect(**connection_params())
    holder.execute("SELECT id FROM tasks WHERE id = %s FOR UPDATE", [task_id])
    replacement = None
    try:
        holder.rollback()
        api.patch(f"tasks/{task_id}/complete", {"completed": True})
        holder.execute("SELECT id FROM tasks WHERE id = %s FOR UPDATE", [task_id])
        wait_for_log(first, "Task recurrence.handle_task_completed", timeout=20)
        first.kill()
        holder.rollback()
        assert occurrences(task_id) == []

        replacement = celery_worker("worker-replacement", queues="recurrence,sweeps").start()
        wait_for(lambda: len(occurrences(task_id)) == 1, timeout=30, message="the owed occurrence")
        wait_for_log(replacement, f"task {task_id}: next occurrence owed since")  # the sweep made it
    finally:
        holder.close()
        first.kill()
        beat.stop()
        if replacement is not None:
            replacement.stop()
    [following] = occurrences(task_id)
    completed_at = Task.objects.get(pk=task_id).completed_at
    assert completed_at is not None
    assert following.created_at - completed_at <= timedelta(seconds=10)  # not the visibility timeout
    assert len(occurrences(task_id)) == 1


def test_a_poison_record_on_task_events_is_dead_lettered_and_later_events_still_work(
    system, worker, api, user
):
    producer = make_producer()
    producer.produce(physical_topic(TASK_EVENTS), key=user.id, value=b'{"event_type": "task.completed"')
    assert producer.flush(10) == 0
    task_id = api.post("tasks", RECURRING).json()["id"]
    api.patch(f"tasks/{task_id}/complete", {"completed": True})

    wait_for(lambda: len(occurrences(task_id)) == 1, timeout=20, message="the event after the poison")
    [letter] = DeadLetter.objects.filter(key=user.id)
    assert letter.original_topic == TASK_EVENTS
    assert letter.error_class.endswith("JSONDecodeError")
    dlq = consume(["task-events-dlq"], keys={user.id}, until=lambda got: len(got) >= 1)
    assert dlq[0].headers["__connect.errors.exception.class.name"] == "JSONDecodeError"


def test_a_handler_failing_on_every_retry_is_dead_lettered_and_an_operator_retry_succeeds_once(
    system, worker, api, user, admin_client
):
    task_id = api.post("tasks", RECURRING).json()["id"]
    # A fault in stored data that every attempt meets: an unknown time zone.
    Task.objects.filter(pk=task_id).update(timezone="Mars/Olympus_Mons")
    api.patch(f"tasks/{task_id}/complete", {"completed": True})

    wait_for(lambda: DeadLetter.objects.filter(task_id=task_id).exists(), timeout=30, message="dead-lettered")
    letter = DeadLetter.objects.get(task_id=task_id)
    assert letter.attempts == 4  # the first try and the task-events policy's 3 retries
    assert letter.consumer == "recurrence"
    assert "Mars/Olympus_Mons" in letter.error_message
    dlq = consume(["task-events-dlq"], keys={user.id}, until=lambda got: len(got) >= 1)
    assert dlq[0].value == letter.envelope
    assert dlq[0].headers["event_id"] == letter.event_id
    assert occurrences(task_id) == []

    Task.objects.filter(pk=task_id).update(timezone="Europe/Berlin")  # the fault is removed
    response = admin_client.post(
        reverse("admin:workers_deadletter_changelist"),
        {"action": "retry", "_selected_action": [letter.pk]},
        follow=True,
    )
    assert response.status_code == 200

    wait_for(lambda: len(occurrences(task_id)) == 1, timeout=30, message="the retried event succeeds")
    letter.refresh_from_db()
    assert letter.status == DeadLetter.Status.RETRIED
    assert letter.attempts == 4
    wait_for_log(worker, f"recurrence:{letter.event_id}] succeeded")
    assert len(occurrences(task_id)) == 1
