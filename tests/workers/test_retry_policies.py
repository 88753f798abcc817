"""The retry policies per topic, applied by a real Celery worker, ending in the dead-letter queue."""

import uuid
from collections.abc import Iterator

import pytest
from celery import current_app

from tests.support.kafka import consume
from tests.support.pipeline import running
from tests.support.processes import ManagedProcess, celery_worker, wait_for_log
from tests.support.waiting import wait_for
from workers.bridge.retry_policies import RETRY_POLICIES
from workers.dead_letters.models import DeadLetter
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES


def test_the_policies_are_the_references():
    assert RETRY_POLICIES[TASK_EVENTS].delays == (30, 300, 1800)
    assert RETRY_POLICIES[REMINDERS].delays == (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
    assert sum(RETRY_POLICIES[REMINDERS].delays) == 1023  # about 17 minutes
    assert RETRY_POLICIES[TASK_UPDATES].delays == (1, 2, 4, 8, 16)


def test_delays_scale_with_the_setting(settings):
    settings.RETRY_DELAY_SCALE = 0.5
    assert [RETRY_POLICIES[TASK_EVENTS].delay(n) for n in range(3)] == [15, 150, 900]


@pytest.fixture(scope="module")
def failing_worker(django_db_setup) -> Iterator[ManagedProcess]:
    process = celery_worker(
        "worker-always-fails", queues="tests", include="tests.support.worker_tasks", RETRY_DELAY_SCALE="0.001"
    ).start()
    wait_for_log(process, "ready.")
    yield process
    process.stop()


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kafka_topics")
@pytest.mark.parametrize("topic", [TASK_EVENTS, REMINDERS, TASK_UPDATES])
def test_a_task_that_always_fails_is_dead_lettered_after_its_policy(failing_worker, topic):
    user = f"u-{uuid.uuid4().hex[:8]}"
    event = {
        "event_id": f"test.event-7-{uuid.uuid4().int % 10**13}",
        "event_type": "test.event",
        "event_version": "1.0",
        "task_id": 7,
        "user_id": user,
        "timestamp": "2026-11-28T10:00:00.000Z",
        "payload": {"task_id": 7},
    }
    with running():
        current_app.send_task(
            "tests.always_fails", args=[event, topic], queue="tests", headers={"event_id": event["event_id"]}
        )
        wait_for(lambda: DeadLetter.objects.filter(key=user).exists(), timeout=30, message="dead-lettered")
        received = consume([f"{topic}-dlq"], keys={user}, until=lambda got: len(got) >= 1)

    [letter] = DeadLetter.objects.filter(key=user)
    assert letter.attempts == RETRY_POLICIES[topic].max_retries + 1
    assert (letter.event_id, letter.original_topic, letter.consumer) == (
        event["event_id"],
        topic,
        "tests-always-fails",
    )
    assert letter.error_class == "builtins.RuntimeError"
    assert "handler always fails" in letter.traceback
    [message] = received
    assert message.value == event
    assert message.headers["event_id"] == event["event_id"]
    assert message.headers["__connect.errors.topic"] == topic
    assert message.headers["__connect.errors.exception.class.name"] == "RuntimeError"
    assert "handler always fails" in message.headers["__connect.errors.exception.message"]
