"""The retry policies per topic, applied by Celery (eagerly in this process, and by a real worker), ending in
the dead-letter queue."""

import uuid
from collections.abc import Iterator

import pytest
from celery import current_app

from tests.support.kafka import consume
from tests.support.pipeline import running
from tests.support.processes import ManagedProcess, celery_worker, wait_for_log
from tests.support.waiting import wait_for
from tests.support.worker_tasks import BATCH_CONSUMER, TOGETHER_CONSUMER, always_fails
from workers.bridge.retry_policies import RETRY_POLICIES
from workers.dead_letters.models import DeadLetter
from workers.events.models import ProcessedEvent
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES


def make_event(user: str) -> dict:
    """An event of a type no consumer knows, for the suite's always-failing task."""
    return {
        "event_id": f"test.event-7-{uuid.uuid4().int % 10**13}",
        "event_type": "test.event",
        "event_version": "1.0",
        "task_id": 7,
        "user_id": user,
        "timestamp": "2026-11-28T10:00:00.000Z",
        "payload": {"task_id": 7},
    }


@pytest.mark.django_db(transaction=True)  # the task closes its connection after it runs, as in a worker
@pytest.mark.parametrize(
    ("topic", "delays"),
    [
        (TASK_EVENTS, [30, 300, 1800]),
        (REMINDERS, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]),  # about 17 minutes in all
        (TASK_UPDATES, [1, 2, 4, 8, 16]),
    ],
)
def test_a_failing_handler_is_retried_after_its_topics_delays_then_dead_lettered(
    settings, monkeypatch, topic, delays
):
    """Celery runs the task eagerly (each retry at once, in this process); the countdowns it was asked for
    are the policy's, and the try after the last retry dead-letters the event."""
    settings.RETRY_DELAY_SCALE = 1.0
    countdowns: list[float] = []
    retry = always_fails.retry

    def recording_retry(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return retry(*args, **kwargs)

    monkeypatch.setattr(always_fails, "retry", recording_retry)
    user = f"u-{uuid.uuid4().hex[:8]}"
    event = make_event(user)

    always_fails.apply(args=(event, topic), headers={"event_id": event["event_id"]})

    assert countdowns == delays
    [letter] = DeadLetter.objects.filter(key=user)
    assert (letter.event_id, letter.attempts, letter.original_topic) == (
        event["event_id"],
        len(delays) + 1,
        topic,
    )


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
    event = make_event(user)
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


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kafka_topics")
def test_each_event_of_a_batch_has_its_own_retries_and_dead_letter(failing_worker):
    """A batch as the bridge sends it, to a real worker that only reads the `tests` queue. Handled together
    it fails, so each event runs alone: the events that succeed are processed once; the one that always
    fails is retried alone, on the same queue, after the policy's delays (scaled down), then dead-lettered
    after every attempt; the one that can never succeed and the one that is not an envelope are
    dead-lettered at once; none holds up the others."""
    user = f"u-{uuid.uuid4().hex[:8]}"
    first, fails, permanent, last = (make_event(user) for _ in range(4))
    fails["payload"]["outcome"] = "fails"
    permanent["payload"]["outcome"] = "permanent"
    malformed = {"event_id": f"half-{uuid.uuid4().hex[:8]}", "user_id": user}
    with running():
        current_app.send_task(
            "tests.handle_batch", args=[[first, fails, malformed, permanent, last]], queue="tests"
        )
        wait_for(
            lambda: DeadLetter.objects.filter(key=user).count() == 3, timeout=60, message="three dead letters"
        )

    letters = {letter.event_id: letter for letter in DeadLetter.objects.filter(key=user)}
    assert set(letters) == {fails["event_id"], permanent["event_id"], malformed["event_id"]}
    assert letters[fails["event_id"]].attempts == RETRY_POLICIES[TASK_EVENTS].max_retries + 1
    assert letters[permanent["event_id"]].attempts == 1
    assert letters[malformed["event_id"]].attempts == 1
    assert {letter.consumer for letter in letters.values()} == {BATCH_CONSUMER}
    processed = ProcessedEvent.objects.filter(consumer=BATCH_CONSUMER).values_list("event_id", flat=True)
    assert sorted(processed) == sorted([first["event_id"], last["event_id"]])


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kafka_topics")
def test_a_batch_without_failures_is_handled_together(failing_worker):
    events = [make_event(f"u-{uuid.uuid4().hex[:8]}") for _ in range(3)]
    current_app.send_task("tests.handle_batch", args=[events], queue="tests")

    together = ProcessedEvent.objects.filter(consumer=TOGETHER_CONSUMER).values_list("event_id", flat=True)
    wait_for(lambda: together.count() == 3, timeout=30, message="the batch handled")
    assert sorted(together) == sorted(event["event_id"] for event in events)
    assert not ProcessedEvent.objects.filter(consumer=BATCH_CONSUMER).exists()  # none alone
