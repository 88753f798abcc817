"""A Celery worker's metrics (todo_project/worker_metrics.py): its main process serves, on `--metrics-port`,
the sum of what its pool processes recorded, each task's outcomes (retries included) and runtimes, and a
pool process that died still counts; a worker that starts again starts from zero (its directory emptied)."""

import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from celery import current_app

from tests.support.ports import free_port
from tests.support.processes import ManagedProcess, celery_worker, wait_for_log
from tests.support.prometheus import present, scrape, value
from tests.support.waiting import wait_for
from todo_project.worker_metrics import worker_metrics_dir
from workers.bridge.retry_policies import RETRY_POLICIES
from workers.dead_letters.models import DeadLetter
from workers.kafka.clients import TASK_UPDATES

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

QUEUE = "tests-metrics"
TASK = "tests.always_fails"


def start_worker(port: int) -> ManagedProcess:
    process = celery_worker(
        "worker-metrics",
        queues=QUEUE,
        include="tests.support.worker_tasks",
        metrics_port=str(port),
        RETRY_DELAY_SCALE="0.001",
    ).start()
    wait_for_log(process, "ready.")
    return process


@pytest.fixture
def port() -> Iterator[int]:
    port = free_port()
    yield port
    shutil.rmtree(worker_metrics_dir(port), ignore_errors=True)


@pytest.fixture
def worker(port, django_db_setup) -> Iterator[ManagedProcess]:
    process = start_worker(port)
    yield process
    process.stop()


def fail_until_dead_lettered() -> str:
    """`tests.always_fails` on task-updates: retried by the topic's policy (5 times), then dead-lettered."""
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
    current_app.send_task(
        TASK, args=[event, TASK_UPDATES], queue=QUEUE, headers={"event_id": event["event_id"]}
    )
    wait_for(lambda: DeadLetter.objects.filter(key=user).exists(), timeout=30, message="dead-lettered")
    return user


def pool_processes(worker: ManagedProcess) -> list[int]:
    listed = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in listed.stdout.split()]


def test_the_worker_serves_its_pool_processes_outcomes_and_runtimes_retries_included(worker, port):
    retries = RETRY_POLICIES[TASK_UPDATES].max_retries

    fail_until_dead_lettered()
    fail_until_dead_lettered()

    wait_for(
        lambda: value(scrape(port), "celery_tasks_total", task=TASK, outcome="success") == 2,
        timeout=10,
        message="both tasks counted",
    )
    samples = scrape(port)
    assert value(samples, "celery_tasks_total", task=TASK, outcome="retry") == 2 * retries
    assert value(samples, "celery_task_runtime_seconds_count", task=TASK) == 2 * (retries + 1)
    assert value(samples, "celery_task_runtime_seconds_sum", task=TASK) > 0
    # Summed over the pool processes, not one series per process.
    assert not any(dict(labels).get("pid") for name, labels in samples if name == "celery_tasks_total")


def test_a_pool_process_that_died_still_counts(worker, port):
    fail_until_dead_lettered()
    wait_for(lambda: value(scrape(port), "celery_tasks_total", task=TASK) > 0, timeout=10, message="counted")
    before = scrape(port)
    victims = pool_processes(worker)

    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    wait_for(
        lambda: len(set(pool_processes(worker)) - set(victims)) == 2, timeout=30, message="new pool processes"
    )

    after = scrape(port)
    for name, labels in (
        ("celery_tasks_total", {"outcome": "retry"}),
        ("celery_tasks_total", {"outcome": "success"}),
    ):
        assert value(after, name, task=TASK, **labels) == value(before, name, task=TASK, **labels) > 0


def test_a_worker_started_again_counts_from_zero(worker, port):
    fail_until_dead_lettered()
    wait_for(lambda: present(scrape(port), "celery_tasks_total", task=TASK), timeout=10, message="counted")
    worker.stop()
    left_behind = {path.name for path in worker_metrics_dir(port).iterdir()}

    again = start_worker(port)
    try:
        samples = scrape(port)
        files = {path.name for path in worker_metrics_dir(port).iterdir()}
    finally:
        again.stop()

    assert left_behind
    assert not files & left_behind
    assert not present(samples, "celery_tasks_total", task=TASK)
