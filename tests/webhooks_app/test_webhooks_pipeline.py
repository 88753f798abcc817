"""Webhooks through the real pipeline: API -> outbox -> relay -> Kafka (task-updates) -> the `webhooks`
bridge -> Celery (`webhooks`: the fan-out; `webhook-deliveries`: the POSTs) -> a receiver in this process
that verifies every signature.

The relay and the bridge run in threads of this process, the Celery worker as a real process with local
targets allowed (WEBHOOKS_ALLOW_PRIVATE_TARGETS, the receiver is on 127.0.0.1), retry delays shortened
(RETRY_DELAY_SCALE: 5 s becomes 10 ms) and endpoints disabled after 3 failed deliveries in a row.
"""

import json
import time
from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.factories import make_token
from tests.support.outbox import outbox_envelopes
from tests.support.pipeline import running
from tests.support.processes import ManagedProcess, celery_worker, wait_for_log
from tests.support.waiting import wait_for
from webhooks_app.delivery import DELIVERY_CONSUMER
from webhooks_app.models import WebhookDelivery
from workers.dead_letters.models import DeadLetter
from workers.kafka.clients import TASK_UPDATES, make_producer, physical_topic

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

DISABLE_AFTER = 3


@pytest.fixture(scope="module")
def worker(django_db_setup) -> Iterator[ManagedProcess]:
    process = celery_worker(
        "worker-webhooks",
        queues="webhooks,webhook-deliveries",
        WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
        RETRY_DELAY_SCALE="0.002",
        WEBHOOKS_DISABLE_AFTER_FAILURES=str(DISABLE_AFTER),
    ).start()
    wait_for_log(process, "ready.")
    yield process
    process.stop()


@pytest.fixture
def system(worker, private_targets) -> Iterator[None]:
    with running("webhooks"):
        yield


def register(api: Api, url: str, event_types=("task.created", "task.updated", "task.deleted")) -> dict:
    response = api.post("webhooks", {"url": url, "event_types": list(event_types)})
    assert response.status_code == 201, response.json()
    body: dict = response.json()
    return body


def test_a_task_created_through_the_api_arrives_signed_at_the_receiver(system, receiver, api):
    endpoint = register(api, receiver.url())
    receiver.secret = endpoint["secret"]
    task = api.post("tasks", {"title": "Ship the release", "tags": ["work"]}).json()
    api.patch(f"tasks/{task['id']}", {"priority": "high"})
    api.delete(f"tasks/{task['id']}")

    wait_for(lambda: len(receiver.delivered()) == 3, timeout=30, message="three deliveries")
    # Deliveries run side by side (4 worker processes): they may arrive in any order.
    by_type = {r.json["type"]: r.json for r in receiver.delivered()}
    created, updated, deleted = (by_type[t] for t in ("task.created", "task.updated", "task.deleted"))
    assert all(r.verified for r in receiver.delivered())
    assert (created["type"], created["data"]["task"]["title"], created["data"]["task"]["tags"]) == (
        "task.created",
        "Ship the release",
        ["work"],
    )
    assert created["data"]["task"]["id"] == task["id"]
    assert (updated["type"], updated["data"]["changed"], updated["data"]["task"]["priority"]) == (
        "task.updated",
        ["priority"],
        "high",
    )
    assert (deleted["type"], deleted["data"]) == ("task.deleted", {"task": {"id": task["id"]}})
    assert sorted(r.headers["webhook-id"] for r in receiver.delivered()) == sorted(
        e["event_id"] for e in outbox_envelopes(api.user_id) if e["event_type"] in by_type
    )
    # Each outcome is recorded once the receiver has answered (the row's transaction then commits).
    wait_for(
        lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 3,
        timeout=10,
        message="recorded",
    )
    log = api.get(f"webhooks/{endpoint['id']}/deliveries").json()
    assert [d["status"] for d in log] == ["succeeded"] * 3
    assert all(d["latency_ms"] is not None and d["attempts"] == 1 for d in log)


def test_an_endpoint_subscribed_to_deletions_only_gets_only_those(system, receiver, api):
    endpoint = register(api, receiver.url(), event_types=["task.deleted"])
    receiver.secret = endpoint["secret"]
    task = api.post("tasks", {"title": "Gone soon"}).json()
    api.delete(f"tasks/{task['id']}")

    wait_for(lambda: len(receiver.delivered()) == 1, timeout=30, message="the deletion")
    wait_for(lambda: WebhookDelivery.objects.count() == 1, timeout=5, message="one delivery row")
    assert receiver.delivered()[0].json["type"] == "task.deleted"


def test_a_500_then_a_200_is_retried_and_delivered_once(system, receiver, api):
    endpoint = register(api, receiver.url())
    receiver.secret = endpoint["secret"]
    receiver.answers = [500]
    api.post("tasks", {"title": "Retry me"})

    wait_for(lambda: len(receiver.delivered()) == 1, timeout=30, message="delivered after one failure")
    assert [r.answered for r in receiver.all()] == [500, 200]
    assert all(r.verified for r in receiver.all())
    wait_for(
        lambda: WebhookDelivery.objects.filter(status="succeeded").exists(), timeout=5, message="recorded"
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (2, 200)


def test_the_same_event_twice_is_delivered_once(system, receiver, api):
    endpoint = register(api, receiver.url())
    receiver.secret = endpoint["secret"]
    api.post("tasks", {"title": "Once"})
    wait_for(lambda: len(receiver.delivered()) == 1, timeout=30, message="the delivery")
    [created] = outbox_envelopes(api.user_id, "task.created")
    producer = make_producer()
    for _ in range(2):  # as after a relay killed before it marked the row published
        producer.produce(physical_topic(TASK_UPDATES), key=api.user_id, value=json.dumps(created).encode())
    assert producer.flush(10) == 0

    time.sleep(3)  # the bridge hands both on, the worker finds the delivery made
    assert len(receiver.all()) == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_receiver_that_always_fails_ends_in_dead_letters_and_disables_the_endpoint(system, receiver, api):
    endpoint = register(api, receiver.url(), event_types=["task.created"])
    receiver.status = 503
    for n in range(DISABLE_AFTER + 1):
        api.post("tasks", {"title": f"Doomed {n}"})

    wait_for(
        lambda: not api.get(f"webhooks/{endpoint['id']}").json()["enabled"], timeout=60, message="disabled"
    )
    body = api.get(f"webhooks/{endpoint['id']}").json()
    assert body["disabled_reason"] == (
        f"Disabled after {DISABLE_AFTER} failed deliveries in a row; the last: HTTP 503: ok"
    )
    # The deliveries run side by side: the last one failed too, or was cancelled once the endpoint was
    # disabled. Each failed one made 7 attempts and left a dead letter.
    wait_for(
        lambda: not WebhookDelivery.objects.filter(status="pending").exists(), timeout=30, message="settled"
    )
    statuses = list(WebhookDelivery.objects.values_list("status", flat=True))
    failed = statuses.count("failed")
    assert DISABLE_AFTER <= failed <= DISABLE_AFTER + 1
    assert statuses.count("cancelled") == DISABLE_AFTER + 1 - failed
    assert set(WebhookDelivery.objects.filter(status="failed").values_list("attempts", flat=True)) == {7}
    assert api.get(f"webhooks/{endpoint['id']}").json()["consecutive_failures"] == failed
    letters = DeadLetter.objects.filter(consumer=DELIVERY_CONSUMER)
    assert letters.count() == failed
    assert {letter.original_topic for letter in letters} == {TASK_UPDATES}
    assert all(r.answered == 503 for r in receiver.all())
    # Nothing more while disabled.
    api.post("tasks", {"title": "Not sent"})
    time.sleep(2)
    assert WebhookDelivery.objects.count() == DISABLE_AFTER + 1


def test_an_operators_retry_of_the_dead_letter_delivers(system, receiver, api, user):
    endpoint = register(api, receiver.url(), event_types=["task.created"])
    receiver.secret = endpoint["secret"]
    receiver.status = 500
    task = api.post("tasks", {"title": "Eventually"}).json()
    wait_for(
        lambda: DeadLetter.objects.filter(consumer=DELIVERY_CONSUMER).exists(),
        timeout=60,
        message="dead letter",
    )
    letter = DeadLetter.objects.get(consumer=DELIVERY_CONSUMER)
    assert letter.task_id == task["id"]
    receiver.status = 200

    operator = Api("ops", make_token("ops", role="admin"))
    response = operator.client.post("/api/admin/dlq/retry", {"event_id": letter.event_id}, format="json")
    assert response.status_code == 200, response.json()

    wait_for(lambda: len(receiver.delivered()) == 1, timeout=30, message="delivered after the retry")
    [delivered] = receiver.delivered()
    assert delivered.verified
    assert delivered.json["data"]["task"]["id"] == task["id"]
    assert DeadLetter.objects.get(pk=letter.pk).status == DeadLetter.Status.RETRIED
    wait_for(
        lambda: WebhookDelivery.objects.filter(status="succeeded").exists(), timeout=5, message="recorded"
    )
