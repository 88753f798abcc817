"""Delivering due reminders: claim the rows due now in batches, send them, record every outcome.

A delivery task serves every reminder due in one second (`reminders_deliver_due`), not one reminder. Each
batch is one transaction: it claims the enqueued rows that are due with FOR UPDATE SKIP LOCKED (so any
number of workers share a burst), sends them over the process's open SMTP connection, and records their
outcomes. The row locks are the claim: they last exactly as long as the sender's database session, so a
slow SMTP server never makes a live sender's rows look lost, and a killed sender's rows are free again the
moment its connection drops (the scan hands them to another worker within seconds). The claim re-reads
each row's task, so whatever changed since the reminder was enqueued (deleted, completed, moved, removed)
is obeyed, and a row is claimed only once it is due: never early.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import connection, transaction
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram

from notifications_app import transitions
from notifications_app.email import (
    MESSAGE_REFUSED,
    envelope_address,
    reminder_email_key,
    render_reminder_email,
    send_rendered,
)
from notifications_app.models import Reminder
from notifications_app.services import Enqueue, wanted_instants
from tasks_app.models import Task
from tasks_app.services import tasks_mark_reminded
from workers.bridge.retry_policies import RETRY_POLICIES
from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import build_envelope, iso_utc, to_millis
from workers.kafka.clients import REMINDERS
from workers.telemetry.tracing import tracer

logger = logging.getLogger(__name__)

DELIVERY_CONSUMER = "reminders-delivery"  # the consumer name of its dead letters
# What a failed reminder's dead letter records (on the reminders' dead-letter topic); retrying it revives
# the reminder (notifications_app.services.reminder_revive), it is never published to the reminders topic.
REMINDER_DELIVERY_FAILED = "reminder.delivery_failed"

LATENESS = Histogram(
    "reminder_lateness_milliseconds",
    "How long after its instant a reminder's email was accepted by the SMTP server",
    # milliseconds: from a few (the goal) to minutes (an SMTP server that was away)
    buckets=(5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000),
)
DELIVERIES = Counter(
    "reminder_deliveries",
    "Reminder delivery attempts by outcome: sent, retried (refused by the SMTP server: a retry is scheduled)"
    " or failed (for good: out of retries, or its user has no address, or no email can be made)",
    ["outcome"],
)


class ReminderDeliveryError(Exception):
    """Why a reminder's email was not delivered: what its dead letter records."""


@dataclass(frozen=True)
class Claimed:
    """A reminder claimed for sending (its row locked), with its task and user loaded."""

    reminder_id: int
    version: int  # as claimed
    attempts: int  # counting this one
    remind_at: datetime
    task: Task
    message: bytes | None  # rendered when enqueued, if the task still says the same; else None


@dataclass(frozen=True)
class Claim:
    locked: int  # rows taken from the queue: to send, cancelled or failed
    sending: list[Claimed]


def reminders_claim_due(*, now: datetime, limit: int) -> Claim:
    """Lock up to `limit` enqueued reminders due at `now` until the caller's transaction ends; cancel those
    their task no longer wants, and fail those whose user has no email address."""
    if not connection.in_atomic_block:
        raise RuntimeError("reminders_claim_due() must run in the transaction that sends and records them")
    due = list(
        Reminder.objects.select_for_update(skip_locked=True)
        .alias(due_at=Reminder.due())
        .filter(status=Reminder.Status.ENQUEUED, due_at__lte=now)
        .order_by("due_at")[:limit]
    )
    if not due:
        return Claim(0, [])
    tasks = Task.objects.select_related("user").in_bulk([reminder.task_id for reminder in due])
    cancelled: list[int] = []
    sending: list[Claimed] = []
    for reminder in due:
        task = tasks.get(reminder.task_id)
        if task is None or reminder.remind_at not in wanted_instants(task):
            cancelled.append(reminder.pk)
        elif not task.user.email:
            transitions.fail_without_email(reminder, now=now)
        else:
            sending.append(
                Claimed(
                    reminder.pk,
                    reminder.version,
                    reminder.attempts + 1,
                    reminder.remind_at,
                    task,
                    _rendered(reminder, task),
                )
            )
    transitions.cancel(cancelled, now=now)
    without_email = len(due) - len(cancelled) - len(sending)
    if without_email:
        transaction.on_commit(partial(DELIVERIES.labels(outcome="failed").inc, without_email))
    return Claim(len(due), sending)


def _rendered(reminder: Reminder, task: Task) -> bytes | None:
    if reminder.message is None or reminder.message_key != reminder_email_key(
        task=task, remind_at=reminder.remind_at
    ):
        return None
    return bytes(reminder.message)


@dataclass(frozen=True)
class Sent:
    claimed: Claimed
    at: datetime


@dataclass(frozen=True)
class Refused:
    """Not sent: the server refused it or could not be reached (retried), or its email cannot be made
    from the task's data (`permanent`: failed at once, never retried)."""

    claimed: Claimed
    error: str
    permanent: bool = False


def reminders_send(
    claimed: list[Claimed], *, now: Callable[[], datetime]
) -> tuple[list[Sent], list[Refused]]:
    """Send each claimed reminder's email, in order.

    A reminder whose email cannot be made (its data) or that the server refuses fails alone. When the
    connection itself fails, the rest of the batch fails with it rather than reconnecting once per email.
    """
    sent: list[Sent] = []
    refused: list[Refused] = []
    for position, reminder in enumerate(claimed):
        task = reminder.task
        try:
            message = reminder.message or render_reminder_email(task=task, remind_at=reminder.remind_at)
            recipient = envelope_address(task.user.email)
        except Exception as error:
            logger.exception("reminder %s: no email can be made from its task", reminder.reminder_id)
            refused.append(Refused(reminder, _describe(error), permanent=True))
            continue
        try:
            with tracer.start_as_current_span(
                "smtp send",
                kind=SpanKind.CLIENT,
                attributes={"todo.reminder_id": reminder.reminder_id, "todo.task_id": task.pk},
            ):
                send_rendered(recipient=recipient, message=message)
        except MESSAGE_REFUSED as error:
            refused.append(Refused(reminder, _describe(error)))
        except Exception as error:
            described = _describe(error)
            refused.extend(Refused(rest, described) for rest in claimed[position:])
            break
        else:
            sent.append(Sent(reminder, now()))
    return sent, refused


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def reminders_record(*, sent: list[Sent], refused: list[Refused], now: datetime, enqueue: Enqueue) -> None:
    """Record a batch's outcomes, in the transaction that claimed it.

    Sent: the row is `sent` with its lateness and its task is marked reminded (tasks_app's service). Refused:
    the row waits for its next retry by the reminders policy (1, 2, 4, ... 512 s), whose delivery task is
    enqueued; after the last one it is failed and dead-lettered. An email that cannot be made fails and is
    dead-lettered at once. Each outcome is one transition of the whole batch (transitions.py).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("reminders_record() must run in the transaction that claimed the reminders")
    policy = RETRY_POLICIES[REMINDERS]
    retries: list[tuple[Refused, datetime]] = []
    failed: list[tuple[Refused, Reminder.Failure]] = []
    for failure in refused:
        retries_done = failure.claimed.attempts - 1
        if failure.permanent:
            failed.append((failure, Reminder.Failure.INVALID_EMAIL))
        elif retries_done < policy.max_retries:
            retries.append((failure, now + timedelta(seconds=policy.delay(retries_done))))
        else:
            failed.append((failure, Reminder.Failure.SMTP))
    transitions.mark_sent([(s.claimed, s.at) for s in sent])
    tasks_mark_reminded(reminders=[(s.claimed.task.pk, s.claimed.remind_at) for s in sent], at=now)
    transitions.wait_for_retry([(f.claimed, at, f.error) for f, at in retries], now=now)
    for at in sorted({at for _, at in retries}):
        transaction.on_commit(partial(enqueue, at))
    transitions.mark_failed([(f.claimed, reason, f.error) for f, reason in failed], now=now)
    for failure, _ in failed:
        _dead_letter(failure, attempts=failure.claimed.attempts, now=now)
    transaction.on_commit(partial(_count_outcomes, sent=sent, retried=len(retries), failed=len(failed)))
    for failure, at in retries:
        logger.warning(
            "reminder %s: attempt %d failed (%s); next attempt at %s",
            failure.claimed.reminder_id,
            failure.claimed.attempts,
            failure.error,
            at.isoformat(),
        )


def _count_outcomes(*, sent: list[Sent], retried: int, failed: int) -> None:
    for reminder in sent:
        LATENESS.observe((reminder.at - reminder.claimed.remind_at).total_seconds() * 1000)
    DELIVERIES.labels(outcome="sent").inc(len(sent))
    DELIVERIES.labels(outcome="retried").inc(retried)
    DELIVERIES.labels(outcome="failed").inc(failed)


def _dead_letter(failure: Refused, *, attempts: int, now: datetime) -> None:
    """The failed reminder for the operators; retrying it revives the reminder (its consumer's handler)."""
    claimed = failure.claimed
    record = build_envelope(
        event_type=REMINDER_DELIVERY_FAILED,
        task_id=claimed.task.pk,
        user_id=claimed.task.user_id,
        payload={
            "task_id": claimed.task.pk,
            "reminder_id": claimed.reminder_id,
            "reminder_at": iso_utc(claimed.remind_at),
        },
        millis=to_millis(now),
    )
    failed = FailedEvent(
        topic=REMINDERS, consumer=DELIVERY_CONSUMER, envelope=record, key=claimed.task.user_id
    )
    dead_letter(failed=failed, error=ReminderDeliveryError(failure.error), attempts=attempts, at=now)
    logger.error("reminder %s failed after %d attempts: %s", claimed.reminder_id, attempts, failure.error)


def next_due_within(*, after: datetime, before: datetime) -> datetime | None:
    """When the next enqueued reminder falls due in (`after`, `before`), if one does."""
    due: datetime | None = (
        Reminder.objects.annotate(due_at=Reminder.due())
        .filter(status=Reminder.Status.ENQUEUED, due_at__gt=after, due_at__lt=before)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return due


def reminders_deliver_due(
    *,
    until: datetime,
    wait: bool,
    batch_size: int,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    enqueue: Enqueue,
    call_for_help: Callable[[], None],
) -> int:
    """Deliver every reminder due now; with `wait`, also each one falling due before `until`, at its time.

    A full batch means more may be due: `call_for_help` asks another worker to claim batches too.
    Returns how many emails were sent.
    """
    delivered = 0
    while True:
        with transaction.atomic():  # the batch's rows stay locked until its outcomes are recorded
            claim = reminders_claim_due(now=now(), limit=batch_size)
            if claim.locked:
                if claim.locked == batch_size:
                    call_for_help()  # now, not after commit: another worker takes the next batch meanwhile
                sent, refused = reminders_send(claim.sending, now=now)
                reminders_record(sent=sent, refused=refused, now=now(), enqueue=enqueue)
                delivered += len(sent)
        if claim.locked:
            continue
        if not wait:
            return delivered
        upcoming = next_due_within(after=now(), before=until)
        if upcoming is None:
            return delivered
        sleep(max(0.0, (upcoming - now()).total_seconds()))
