"""Sending one delivery: claim its row, check the target again, POST the signed message, record the
outcome (docs/webhooks.md, "Retries").

The row is locked (FOR UPDATE SKIP LOCKED) for as long as its attempt runs, so a second task for the same
delivery (a duplicate message, the sweep) finds nothing to do; the lock lasts exactly as long as the
sender's database session, so a killed worker frees it at once. An attempt is at most WEBHOOKS_TIMEOUT
seconds, and each worker process holds one.

Outcomes: a 2xx succeeds. Network errors, timeouts, 429 and 5xx are retried by `RETRY_POLICY` (delays
multiplied by RETRY_DELAY_SCALE); after the last retry the delivery fails. Any other status (a redirect,
which is never followed, or a 4xx) and a target that is no longer allowed fail at once. A failed delivery
is dead-lettered (consumer `webhooks-delivery`; retrying it sends it again) and counts against its endpoint,
which is disabled after WEBHOOKS_DISABLE_AFTER_FAILURES failed deliveries in a row; a success resets the
count. A delivery whose endpoint was disabled meanwhile is cancelled.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import urllib3
from django.conf import settings
from django.db import transaction
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram

from webhooks_app import addresses, signing
from webhooks_app.models import WebhookDelivery, WebhookEndpoint
from webhooks_app.services import endpoint_count_failure, endpoint_count_success
from workers.bridge.retry_policies import RetryPolicy
from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import build_envelope, to_millis
from workers.kafka.clients import TASK_UPDATES
from workers.telemetry.tracing import tracer

logger = logging.getLogger(__name__)

DELIVERY_CONSUMER = "webhooks-delivery"  # the consumer name of its dead letters
# What a failed delivery's dead letter records (on task-updates' dead-letter topic); retrying it sends the
# delivery again (webhooks_app.services.delivery_revive), it is never published to task-updates.
WEBHOOK_DELIVERY_FAILED = "webhook.delivery_failed"
# 6 retries after 5 s, 15 s, 45 s, 2 min 15 s, 6 min 45 s, 20 min 15 s: 7 attempts over about half an
# hour. The longest delay stays below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT, 1 h).
RETRY_POLICY = RetryPolicy(delays=tuple(5.0 * 3**n for n in range(6)))
USER_AGENT = "todo-platform-webhooks/1.0"
RESPONSE_EXCERPT_BYTES = 512

DELIVERIES = Counter(
    "webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered (2xx), retried (a retry is scheduled), failed (for good:"
    " refused, or out of retries; dead-lettered) or cancelled (its endpoint was disabled)",
    ["outcome"],
)
LATENCY = Histogram(
    "webhook_delivery_latency_seconds",
    "From the change's commit (its event's timestamp) to the receiver's 2xx",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600),
)


class WebhookDeliveryError(Exception):
    """Why a delivery failed for good: what its dead letter records."""


@dataclass(frozen=True)
class Attempt:
    status_code: int | None  # None: no answer (network error, timeout, refused target)
    error: str  # empty when delivered
    elapsed_ms: int
    retriable: bool

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def message_body(message: dict[str, object]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(*, secret: str, event_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": event_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signing.signature_header(secret=secret, timestamp=timestamp, body=body),
    }


def post(target: addresses.Target, *, headers: dict[str, str], body: bytes, timeout: float) -> Attempt:
    """POST to the checked address of `target` (never a second resolution of its name), with its Host and,
    over https, its name for SNI and the certificate check. No redirect is followed."""
    pool: urllib3.HTTPConnectionPool
    deadline = urllib3.Timeout(total=timeout)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=deadline,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=settings.WEBHOOKS_CA_BUNDLE or None,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=deadline, retries=False, maxsize=1
        )
    started = time.monotonic()
    try:
        with tracer.start_as_current_span(
            "webhook POST", kind=SpanKind.CLIENT, attributes={"server.address": target.host}
        ):
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            excerpt = response.read(RESPONSE_EXCERPT_BYTES, decode_content=False)
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        return Attempt(None, _describe(error), _since(started), retriable=True)
    finally:
        pool.close()
    elapsed = _since(started)
    status = response.status
    if 200 <= status < 300:
        return Attempt(status, "", elapsed, retriable=False)
    text = excerpt.decode("utf-8", errors="replace").strip()
    if 300 <= status < 400:
        where = response.headers.get("Location", "")
        return Attempt(status, f"HTTP {status}: redirects are not followed ({where})", elapsed, False)
    retriable = status == 429 or status >= 500
    return Attempt(status, f"HTTP {status}{': ' + text if text else ''}"[:2000], elapsed, retriable)


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def attempt_delivery(delivery: WebhookDelivery, endpoint: WebhookEndpoint, *, timestamp: int) -> Attempt:
    """Check the endpoint's URL again (DNS may have changed since it was registered), then POST."""
    try:
        target = addresses.resolve_target(endpoint.url)
    except addresses.UnresolvableHostError as error:
        return Attempt(None, str(error), 0, retriable=True)  # DNS may be down for a while
    except addresses.TargetRefusedError as error:
        return Attempt(None, f"target refused: {error}", 0, retriable=False)
    body = message_body(delivery.message)
    headers = signed_headers(
        secret=endpoint.secret, event_id=delivery.event_id, body=body, timestamp=timestamp
    )
    return post(target, headers=headers, body=body, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS)


# Enqueues the delivery's task again `countdown` seconds from now (after the commit).
EnqueueLater = Callable[[int, float], None]


def webhook_deliver(*, delivery_id: int, now: Callable[[], datetime], enqueue: EnqueueLater) -> str | None:
    """One attempt of a pending delivery; returns its outcome, or None when there was nothing to do
    (sent, failed or cancelled already, being sent by another worker, or not due yet)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        at = now()
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > at + timedelta(seconds=1):
            return None  # an early duplicate: the task for its next attempt is on its way
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            _finish(delivery, WebhookDelivery.Status.CANCELLED, at=at, error="the endpoint is disabled")
            transaction.on_commit(partial(_count, "cancelled"))
            return "cancelled"
        attempt = attempt_delivery(delivery, endpoint, timestamp=int(at.timestamp()))
        return _record(delivery, attempt, at=now(), enqueue=enqueue)


def _finish(delivery: WebhookDelivery, status: str, *, at: datetime, error: str = "") -> None:
    delivery.status = status
    delivery.next_attempt_at = None
    delivery.updated_at = at
    if error:
        delivery.last_error = error
    delivery.save()


def _record(delivery: WebhookDelivery, attempt: Attempt, *, at: datetime, enqueue: EnqueueLater) -> str:
    delivery.attempts += 1
    delivery.last_attempt_at = at
    delivery.last_status_code = attempt.status_code
    delivery.last_error = attempt.error
    delivery.response_ms = attempt.elapsed_ms
    if attempt.delivered:
        latency = at - delivery.event_created_at
        delivery.delivered_at = at
        delivery.latency_ms = max(0, round(latency.total_seconds() * 1000))
        _finish(delivery, WebhookDelivery.Status.SUCCEEDED, at=at)
        endpoint_count_success(endpoint_id=delivery.endpoint_id)
        transaction.on_commit(partial(_count, "delivered", latency=latency.total_seconds()))
        return "delivered"
    retries_done = delivery.attempts - 1
    if attempt.retriable and retries_done < RETRY_POLICY.max_retries:
        delay = RETRY_POLICY.delay(retries_done)
        delivery.next_attempt_at = at + timedelta(seconds=delay)
        delivery.updated_at = at
        delivery.save()
        transaction.on_commit(partial(enqueue, delivery.pk, delay))
        transaction.on_commit(partial(_count, "retried"))
        logger.warning(
            "webhook delivery %s (%s): attempt %d failed (%s); next in %.1f s",
            delivery.pk,
            delivery.event_id,
            delivery.attempts,
            attempt.error,
            delay,
        )
        return "retried"
    _finish(delivery, WebhookDelivery.Status.FAILED, at=at)
    _dead_letter(delivery, at=at)
    disabled = endpoint_count_failure(
        endpoint_id=delivery.endpoint_id,
        reason=attempt.error,
        threshold=settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
        at=at,
    )
    if disabled:
        logger.warning("webhook endpoint %s disabled: %s", delivery.endpoint_id, attempt.error)
    transaction.on_commit(partial(_count, "failed"))
    return "failed"


def _count(outcome: str, latency: float | None = None) -> None:
    DELIVERIES.labels(outcome=outcome).inc()
    if latency is not None:
        LATENCY.observe(max(0.0, latency))


def _dead_letter(delivery: WebhookDelivery, *, at: datetime) -> None:
    """The failed delivery, for the operators: retrying it sends the delivery again (a retry handler)."""
    endpoint = delivery.endpoint
    record = build_envelope(
        event_type=WEBHOOK_DELIVERY_FAILED,
        task_id=delivery.task_id,
        user_id=endpoint.user_id,
        payload={
            "delivery_id": delivery.pk,
            "endpoint_id": endpoint.pk,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
        },
        millis=to_millis(at),
    )
    # One dead letter per delivery (several endpoints may fail the same event in the same millisecond).
    record["event_id"] = f"{WEBHOOK_DELIVERY_FAILED}-{delivery.pk}"
    failed = FailedEvent(
        topic=TASK_UPDATES, consumer=DELIVERY_CONSUMER, envelope=record, key=endpoint.user_id
    )
    dead_letter(
        failed=failed,
        error=WebhookDeliveryError(f"{endpoint.url}: {delivery.last_error}"),
        attempts=delivery.attempts,
        at=at,
    )
    logger.error(
        "webhook delivery %s failed after %d attempts: %s",
        delivery.pk,
        delivery.attempts,
        delivery.last_error,
    )
