"""The reminder's state machine: each transition moves a row from the status it expects, bumping its version,
and refuses (changing nothing) a row in another status or at another version than the one read."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from notifications_app import transitions
from notifications_app.models import Reminder
from notifications_app.transitions import InvalidTransitionError

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
Status = Reminder.Status


def reminder(status: Reminder.Status = Status.ENQUEUED, **fields) -> Reminder:
    created: Reminder = Reminder.objects.create(
        task_id=Reminder.objects.count() + 1,
        user_id="u",
        remind_at=NOW - timedelta(seconds=1),
        status=status,
        updated_at=NOW,
        **fields,
    )
    return created


def stored(row: Reminder) -> tuple[str, int]:
    fresh = Reminder.objects.get(pk=row.pk)
    return fresh.status, fresh.version


@dataclass(frozen=True)
class Claimed:
    reminder_id: int
    version: int
    attempts: int
    remind_at: datetime


def claimed(row: Reminder, *, version: int | None = None) -> Claimed:
    return Claimed(row.pk, row.version if version is None else version, row.attempts + 1, row.remind_at)


# --- each transition moves its rows and bumps their version -------------------------------------------
def test_a_cancelled_or_failed_reminder_is_revived_with_its_attempts_and_failure_forgotten():
    cancelled = reminder(Status.CANCELLED, attempts=3)
    failed = reminder(Status.FAILED, attempts=11, failure=Reminder.Failure.SMTP)

    for row in (cancelled, failed):
        transitions.revive(row, now=NOW)
        fresh = Reminder.objects.get(pk=row.pk)
        assert (fresh.status, fresh.version, fresh.attempts, fresh.failure) == (Status.SCHEDULED, 2, 0, "")
        assert (row.status, row.version) == (Status.SCHEDULED, 2)  # the instance follows


def test_enqueueing_keeps_the_email_rendered_ahead():
    row = reminder(Status.SCHEDULED)

    transitions.enqueue([(row, b"Subject: hi", "k")], now=NOW)

    fresh = Reminder.objects.get(pk=row.pk)
    assert (fresh.status, fresh.version, fresh.enqueued_at) == (Status.ENQUEUED, 2, NOW)
    assert fresh.message is not None
    assert (bytes(fresh.message), fresh.message_key) == (b"Subject: hi", "k")


def test_enqueueing_a_batch_is_one_statement(django_assert_num_queries):
    rows = [reminder(Status.SCHEDULED) for _ in range(5)]

    with django_assert_num_queries(1):
        transitions.enqueue([(row, b"Subject: hi", f"k{n}") for n, row in enumerate(rows)], now=NOW)

    assert [stored(row) for row in rows] == [(Status.ENQUEUED, 2)] * 5
    assert [Reminder.objects.get(pk=row.pk).message_key for row in rows] == [f"k{n}" for n in range(5)]
    assert [(row.status, row.version) for row in rows] == [(Status.ENQUEUED, 2)] * 5  # the instances follow


def test_cancelling_moves_every_active_row_given():
    rows = [reminder(Status.SCHEDULED), reminder(Status.ENQUEUED)]

    transitions.cancel([row.pk for row in rows], now=NOW)

    assert [stored(row) for row in rows] == [(Status.CANCELLED, 2)] * 2


def test_the_outcomes_of_a_claimed_batch():
    sent, waiting, failed = reminder(), reminder(), reminder()
    next_attempt = NOW + timedelta(seconds=2)

    transitions.mark_sent([(claimed(sent), NOW)])
    transitions.wait_for_retry([(claimed(waiting), next_attempt, "451 busy")], now=NOW)
    transitions.mark_failed([(claimed(failed), Reminder.Failure.SMTP, "451 busy")], now=NOW)

    assert [stored(row) for row in (sent, waiting, failed)] == [
        (Status.SENT, 2),
        (Status.ENQUEUED, 2),  # enqueued again, for its retry: a transition like the others
        (Status.FAILED, 2),
    ]
    assert Reminder.objects.get(pk=sent.pk).lateness_ms == 1000
    assert Reminder.objects.get(pk=waiting.pk).next_attempt_at == next_attempt


# --- the guards ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [Status.SCHEDULED, Status.ENQUEUED, Status.SENT])
def test_only_a_cancelled_or_failed_reminder_is_revived(status):
    row = reminder(status)
    with pytest.raises(InvalidTransitionError, match="revive"):
        transitions.revive(row, now=NOW)
    assert stored(row) == (status, 1)


@pytest.mark.parametrize("status", [Status.ENQUEUED, Status.SENT, Status.CANCELLED, Status.FAILED])
def test_only_a_scheduled_reminder_is_enqueued(status):
    row = reminder(status)
    with pytest.raises(InvalidTransitionError, match="enqueue"):
        transitions.enqueue([(row, None, "")], now=NOW)
    assert stored(row) == (status, 1)


def test_a_batch_to_enqueue_with_a_row_changed_since_it_was_read_moves_nothing():
    fresh, changed = reminder(Status.SCHEDULED), reminder(Status.SCHEDULED)
    Reminder.objects.filter(pk=changed.pk).update(version=2)

    with pytest.raises(InvalidTransitionError, match="enqueue"), transaction.atomic():  # the caller's
        transitions.enqueue([(fresh, None, ""), (changed, None, "")], now=NOW)
    assert [stored(row) for row in (fresh, changed)] == [(Status.SCHEDULED, 1), (Status.SCHEDULED, 2)]


@pytest.mark.parametrize("status", [Status.SCHEDULED, Status.SENT, Status.CANCELLED, Status.FAILED])
def test_only_an_enqueued_reminder_fails_for_want_of_an_email_address(status):
    row = reminder(status)
    with pytest.raises(InvalidTransitionError, match="fail"):
        transitions.fail_without_email(row, now=NOW)
    assert stored(row) == (status, 1)


def test_a_row_changed_since_it_was_read_is_not_moved():
    row = reminder(Status.SCHEDULED)
    Reminder.objects.filter(pk=row.pk).update(version=2)  # another transition happened meanwhile

    with pytest.raises(InvalidTransitionError, match=r"enqueue: not all of reminders .* as they were read"):
        transitions.enqueue([(row, None, "")], now=NOW)
    assert stored(row) == (Status.SCHEDULED, 2)


@pytest.mark.parametrize("status", [Status.SENT, Status.CANCELLED, Status.FAILED])
def test_cancelling_refuses_a_batch_with_a_row_no_longer_active(status):
    active, settled = reminder(Status.ENQUEUED), reminder(status)
    with pytest.raises(InvalidTransitionError, match="cancel"), transaction.atomic():  # the caller's
        transitions.cancel([active.pk, settled.pk], now=NOW)
    assert [stored(row) for row in (active, settled)] == [(Status.ENQUEUED, 1), (status, 1)]


@pytest.mark.parametrize(
    "move",
    [
        lambda row: transitions.mark_sent([(row, NOW)]),
        lambda row: transitions.wait_for_retry([(row, NOW, "451")], now=NOW),
        lambda row: transitions.mark_failed([(row, Reminder.Failure.SMTP, "451")], now=NOW),
    ],
    ids=["sent", "wait for retry", "failed"],
)
@pytest.mark.parametrize("status", [Status.SCHEDULED, Status.SENT, Status.CANCELLED, Status.FAILED])
def test_a_batch_outcome_refuses_a_row_that_is_not_enqueued(move, status):
    row = reminder(status)
    with pytest.raises(InvalidTransitionError, match="as they were claimed"):
        move(claimed(row))
    assert stored(row) == (status, 1)


def test_a_batch_outcome_refuses_a_row_at_another_version_than_claimed():
    row = reminder(Status.ENQUEUED)
    with pytest.raises(InvalidTransitionError, match=str(row.pk)):
        transitions.mark_sent([(claimed(row, version=row.version + 1), NOW)])
    assert stored(row) == (Status.ENQUEUED, 1)
