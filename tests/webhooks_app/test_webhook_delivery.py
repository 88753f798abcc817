"""Sending deliveries (webhooks_app/delivery.py) to a real HTTP receiver in this process that verifies each
signature: the message and its headers, retries by status, the dead letter after the last attempt and its
retry, disabling an endpoint after failures in a row, idempotency by event, and the target checked again at
delivery time (SSRF, DNS rebinding)."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from tasks_app.events import TASK_CREATED, TASK_DELETED, TASK_UPDATED, task_snapshot
from tests.support.celery_queue import empty, queued
from tests.support.factories import TaskFactory
from webhooks_app import addresses, services, signing
from webhooks_app.delivery import DELIVERY_CONSUMER, RETRY_POLICY, WEBHOOK_DELIVERY_FAILED, webhook_deliver
from webhooks_app.models import WebhookDelivery, WebhookEndpoint
from webhooks_app.selectors import user_has_endpoints
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import NotRetryableError, dead_letters_retry
from workers.events.envelope import build_envelope, parse_envelope, to_millis
from workers.kafka.clients import TASK_UPDATES

pytestmark = pytest.mark.django_db


class Scheduled:
    """Stands in for the Celery enqueue: records (delivery id, countdown)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float]] = []

    def __call__(self, delivery_id: int, countdown: float = 0.0) -> None:
        self.calls.append((delivery_id, countdown))


def endpoint_for(
    user, url: str, *, event_types=(TASK_CREATED, TASK_UPDATED, TASK_DELETED)
) -> WebhookEndpoint:
    return services.endpoint_create(
        user=user, url=url, event_types=event_types, description="", at=timezone.now()
    )


def event(task, event_type: str = TASK_CREATED, *, at: datetime | None = None, **payload):
    at = at or timezone.now()
    if event_type != TASK_DELETED:
        payload.setdefault("task", task_snapshot(task))
    envelope = build_envelope(
        event_type=event_type,
        task_id=task.pk,
        user_id=task.user_id,
        payload={"task_id": task.pk, **payload},
        millis=to_millis(at),
    )
    return parse_envelope(envelope)


def fan_out(envelope) -> tuple[int, Scheduled]:
    scheduled = Scheduled()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the test's transaction never commits
        created = services.deliveries_create(envelope=envelope, at=timezone.now(), enqueue=scheduled)
    return created, scheduled


def deliver(delivery_id: int, scheduled: Scheduled | None = None) -> str | None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return webhook_deliver(delivery_id=delivery_id, now=timezone.now, enqueue=scheduled or Scheduled())


def deliver_until_done(delivery_id: int) -> list[str | None]:
    """Every attempt at once, as the retries would come (their delays skipped)."""
    outcomes = []
    while True:
        WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())
        outcomes.append(deliver(delivery_id))
        if outcomes[-1] != "retried":
            return outcomes


@pytest.fixture
def task(user):
    return TaskFactory(user=user, title="Write the report", tags=["work"])


def test_a_delivery_arrives_signed_with_the_event_and_the_task(private_targets, receiver, task):
    endpoint = endpoint_for(task.user, receiver.url("/in?source=todo"))
    receiver.secret = endpoint.secret
    envelope = event(task)
    (created, scheduled), before = fan_out(envelope), time.time()
    [delivery] = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert created == 1
    assert scheduled.calls == [(delivery.pk, 0.0)]

    assert deliver(delivery.pk) == "delivered"

    [received] = receiver.all()
    assert received.verified
    assert received.path == "/in?source=todo"
    assert received.headers["webhook-id"] == envelope.event_id
    assert received.headers["content-type"] == "application/json"
    assert received.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert abs(int(received.headers["webhook-timestamp"]) - before) <= 2
    assert received.headers["webhook-signature"] == "v1=" + signing.signature(
        secret=endpoint.secret, timestamp=int(received.headers["webhook-timestamp"]), body=received.body
    )
    assert received.json == {
        "id": envelope.event_id,
        "type": "task.created",
        "created_at": envelope.raw["timestamp"],
        "data": {"task": json.loads(json.dumps(task_snapshot(task)))},
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.latency_ms is not None
    assert delivery.delivered_at is not None


def test_an_update_carries_the_changed_fields_and_a_deletion_only_the_id(private_targets, receiver, task):
    endpoint = endpoint_for(task.user, receiver.url())
    receiver.secret = endpoint.secret
    fan_out(event(task, TASK_UPDATED, changed=["title"]))
    fan_out(event(task, TASK_DELETED, at=timezone.now() + timedelta(milliseconds=5)))
    for delivery in WebhookDelivery.objects.order_by("pk"):
        assert deliver(delivery.pk) == "delivered"

    updated, deleted = (r.json for r in receiver.all())
    assert (updated["type"], updated["data"]["changed"], updated["data"]["task"]["title"]) == (
        "task.updated",
        ["title"],
        "Write the report",
    )
    assert deleted["type"] == "task.deleted"
    assert deleted["data"] == {"task": {"id": task.pk}}
    assert all(r.verified for r in receiver.all())


def test_only_enabled_endpoints_of_the_user_that_subscribe_to_the_type_get_it(
    private_targets, receiver, task
):
    wants = endpoint_for(task.user, receiver.url("/a"))
    endpoint_for(task.user, receiver.url("/b"), event_types=[TASK_DELETED])
    disabled = endpoint_for(task.user, receiver.url("/c"))
    WebhookEndpoint.objects.filter(pk=disabled.pk).update(enabled=False)
    endpoint_for(TaskFactory().user, receiver.url("/d"))  # another user's

    created, _ = fan_out(event(task))

    assert created == 1
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [wants.pk]


def test_the_same_event_twice_is_one_delivery(private_targets, receiver, task):
    endpoint_for(task.user, receiver.url())
    envelope = event(task)

    first, second = fan_out(envelope), fan_out(envelope)

    assert (first[0], second[0]) == (1, 0)
    assert second[1].calls == []
    [delivery] = WebhookDelivery.objects.all()
    assert deliver(delivery.pk) == "delivered"
    assert deliver(delivery.pk) is None  # a duplicate task finds it done
    assert len(receiver.all()) == 1


def test_a_500_then_a_200_is_retried_after_the_first_delay_and_delivered_once(
    private_targets, receiver, task
):
    endpoint = endpoint_for(task.user, receiver.url())
    receiver.secret = endpoint.secret
    receiver.answers = [500]
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()
    scheduled = Scheduled()

    assert deliver(delivery.pk, scheduled) == "retried"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert scheduled.calls == [(delivery.pk, RETRY_POLICY.delay(0))]
    assert deliver(delivery.pk) is None  # not due yet: an early duplicate does nothing

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert deliver(delivery.pk) == "delivered"
    assert [r.answered for r in receiver.all()] == [500, 200]
    assert len(receiver.delivered()) == 1
    assert all(r.verified for r in receiver.all())
    assert receiver.all()[0].headers["webhook-id"] == receiver.all()[1].headers["webhook-id"]


@pytest.mark.parametrize(
    ("status", "retried"), [(429, True), (503, True), (410, False), (400, False), (302, False)]
)
def test_which_answers_are_retried(private_targets, receiver, task, status, retried):
    endpoint_for(task.user, receiver.url())
    receiver.status = status
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()

    assert deliver(delivery.pk) == ("retried" if retried else "failed")
    delivery.refresh_from_db()
    assert delivery.last_status_code == status
    if status == 302:
        assert "redirects are not followed" in delivery.last_error
        assert len(receiver.all()) == 1  # and the Location was not visited


def test_a_receiver_that_never_answers_in_time_is_retried(private_targets, receiver, task, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    endpoint_for(task.user, receiver.url())
    receiver.delay = 1.0
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()

    assert deliver(delivery.pk) == "retried"
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "Timeout" in delivery.last_error


def test_after_the_last_attempt_a_dead_letter_and_its_retry_delivers(
    private_targets, receiver, task, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(task.user, receiver.url())
    receiver.secret = endpoint.secret
    receiver.status = 500
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()

    outcomes = deliver_until_done(delivery.pk)

    assert outcomes == ["retried"] * RETRY_POLICY.max_retries + ["failed"]
    assert len(receiver.all()) == RETRY_POLICY.max_retries + 1 == 7
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 7)
    letter = DeadLetter.objects.get(consumer=DELIVERY_CONSUMER)
    assert (letter.event_type, letter.original_topic, letter.attempts, letter.task_id) == (
        WEBHOOK_DELIVERY_FAILED,
        TASK_UPDATES,
        7,
        task.pk,
    )
    assert letter.envelope["payload"]["delivery_id"] == delivery.pk
    assert "HTTP 500" in letter.error_message
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).consecutive_failures == 1

    # The operator retries it (the admin action and the operators' API call this): enqueued again.
    receiver.status = 200
    empty("webhook-deliveries")
    with django_capture_on_commit_callbacks(execute=True):
        dead_letters_retry(records=[letter])
    assert [(t.name, t.args) for t in queued("webhook-deliveries")] == [("webhooks.deliver", [delivery.pk])]
    empty("webhook-deliveries")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert deliver(delivery.pk) == "delivered"
    assert len(receiver.delivered()) == 1
    assert receiver.delivered()[0].verified
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0
    assert DeadLetter.objects.get(pk=letter.pk).status == DeadLetter.Status.RETRIED


def test_a_dead_letter_is_not_retried_while_its_endpoint_is_disabled(private_targets, receiver, task):
    endpoint = endpoint_for(task.user, receiver.url())
    receiver.status = 410
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()
    assert deliver(delivery.pk) == "failed"
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    letter = DeadLetter.objects.get(consumer=DELIVERY_CONSUMER)

    with pytest.raises(NotRetryableError, match="endpoint is disabled"):
        dead_letters_retry(records=[letter])


def test_an_endpoint_is_disabled_after_so_many_failed_deliveries_in_a_row(
    private_targets, receiver, user, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    endpoint = endpoint_for(user, receiver.url())
    receiver.status = 404
    tasks = [TaskFactory(user=user) for _ in range(5)]
    for task in tasks:
        fan_out(event(task))
    first, second, third, fourth, fifth = WebhookDelivery.objects.order_by("pk")

    assert deliver(first.pk) == "failed"
    receiver.answers = [200]
    assert deliver(second.pk) == "delivered"  # a success resets the count
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0
    for delivery in (third, fourth):
        assert deliver(delivery.pk) == "failed"
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).enabled
    assert deliver(fifth.pk) == "failed"

    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.consecutive_failures) == (False, 3)
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "Disabled after 3 failed deliveries in a row; the last: HTTP 404: ok"
    # No new deliveries while disabled; a pending one is cancelled when its turn comes.
    assert fan_out(event(TaskFactory(user=user)))[0] == 0
    WebhookDelivery.objects.filter(pk=fifth.pk).update(status="pending")
    assert deliver(fifth.pk) == "cancelled"


def test_a_target_is_checked_again_at_delivery_time(receiver, task, monkeypatch, settings):
    """Registered while its name resolved to a public address; by delivery time it resolves to loopback
    (DNS changed, or a rebinding attack): refused without a request, failed at once."""
    answers = {"hooks.example.com": ["93.184.215.14"]}
    monkeypatch.setattr(addresses, "system_resolver", lambda host, port: answers[host])
    endpoint = endpoint_for(task.user, f"https://hooks.example.com:{receiver.port}/in")
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()
    answers["hooks.example.com"] = ["127.0.0.1"]

    assert deliver(delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert delivery.last_error.startswith("target refused: The host hooks.example.com resolves to 127.0.0.1")
    assert receiver.all() == []
    assert DeadLetter.objects.filter(consumer=DELIVERY_CONSUMER).count() == 1
    assert endpoint.pk


def test_the_delivery_connects_to_the_address_it_checked_with_the_urls_host(
    private_targets, receiver, task, monkeypatch
):
    """One resolution per attempt: the connection goes to the address checked, the Host header names the
    URL's host (and over https, SNI and the certificate check do)."""
    calls = []

    def resolver(host, port):
        calls.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(addresses, "system_resolver", resolver)
    endpoint = endpoint_for(task.user, f"http://hooks.example.test:{receiver.port}/in")
    receiver.secret = endpoint.secret
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()
    calls.clear()

    assert deliver(delivery.pk) == "delivered"
    assert calls == ["hooks.example.test"]
    [received] = receiver.all()
    assert received.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert received.verified


def test_a_name_that_stops_resolving_is_retried_not_failed(private_targets, receiver, task, monkeypatch):
    endpoint_for(task.user, receiver.url())
    monkeypatch.setattr(addresses, "system_resolver", lambda host, port: [])
    WebhookEndpoint.objects.update(url="http://gone.example.test/in")
    fan_out(event(task))
    [delivery] = WebhookDelivery.objects.all()

    assert deliver(delivery.pk) == "retried"


def test_the_retry_policy_at_the_default_scale(settings):
    settings.RETRY_DELAY_SCALE = 1.0
    assert [RETRY_POLICY.delay(n) for n in range(RETRY_POLICY.max_retries)] == [5, 15, 45, 135, 405, 1215]
    settings.RETRY_DELAY_SCALE = 0.002
    assert RETRY_POLICY.delay(0) == pytest.approx(0.01)


def test_the_sweep_enqueues_deliveries_that_lost_their_task_and_the_prune_drops_old_ones(
    private_targets, task
):
    endpoint = endpoint_for(task.user, "http://127.0.0.1:9/in")
    fan_out(event(task))
    [lost] = WebhookDelivery.objects.all()
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=now - timedelta(minutes=5))

    assert services.deliveries_owed(now=now, lost_after=timedelta(minutes=10)) == []
    assert services.deliveries_owed(now=now, lost_after=timedelta(minutes=2)) == [lost.pk]
    assert WebhookDelivery.objects.get(pk=lost.pk).next_attempt_at == now

    old = datetime(2030, 1, 1, tzinfo=UTC)
    WebhookDelivery.objects.filter(pk=lost.pk).update(updated_at=old)
    assert services.deliveries_prune(finished_before=old + timedelta(days=1)) == 0  # pending: kept
    WebhookDelivery.objects.filter(pk=lost.pk).update(status="succeeded")
    assert services.deliveries_prune(finished_before=old + timedelta(days=1)) == 1
    assert endpoint.pk


def test_the_receivers_check_refuses_a_wrong_secret_a_changed_body_and_an_old_timestamp():
    body = b'{"id":"x"}'
    now = time.time()
    sign = signing.signature_header(secret="whsec_a", timestamp=int(now), body=body)
    assert signing.verify(secret="whsec_a", header=sign, timestamp=str(int(now)), body=body, now=now)
    assert not signing.verify(secret="whsec_b", header=sign, timestamp=str(int(now)), body=body, now=now)
    assert not signing.verify(
        secret="whsec_a", header=sign, timestamp=str(int(now)), body=body + b" ", now=now
    )
    assert not signing.verify(
        secret="whsec_a", header=sign, timestamp=str(int(now)), body=body, now=now + 301
    )
    assert signing.verify(
        secret="whsec_a", header=f"v1=deadbeef, {sign}", timestamp=str(int(now)), body=body, now=now
    )


def test_the_bridge_hands_on_only_the_changes_of_users_with_an_enabled_endpoint(private_targets, task):
    envelope = event(task)
    assert not user_has_endpoints(envelope)
    endpoint = endpoint_for(task.user, "http://127.0.0.1:9/in")
    assert user_has_endpoints(envelope)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    assert not user_has_endpoints(envelope)
