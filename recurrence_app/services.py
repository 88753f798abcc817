"""Creating the next occurrence of a completed recurring task, exactly once: from its event or the sweep."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from prometheus_client import Histogram

from recurrence_app.occurrences import next_occurrence, next_occurrence_from_completion
from tasks_app.events import TASK_COMPLETED, task_completed_payload
from tasks_app.models import RecurrenceAnchor, Task
from tasks_app.recurrence_rules import InvalidPatternError
from tasks_app.reminders import carried
from tasks_app.services import NextOccurrence, occurrences_create
from workers.bridge.retry_policies import RETRY_POLICIES, PermanentEventError
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import FailedEvent, dead_letter
from workers.events.envelope import Envelope, build_envelope, parse_envelope, to_millis
from workers.events.idempotency import record_processed_many
from workers.kafka.clients import TASK_EVENTS
from workers.postgresql import statements

logger = logging.getLogger(__name__)

CONSUMER = "recurrence"

LATENCY = Histogram(
    "recurrence_latency_seconds",
    "From a recurring task's completion to the creation of its next occurrence (by the event or the sweep)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800),
)


def completion_recurs(envelope: Envelope) -> bool:
    """Whether a `task.completed` event is of a recurring task: only those owe a next occurrence."""
    return bool(envelope.payload.get("recurring_pattern"))


def _series_start(task: Task, root: Task) -> datetime:
    """The first occurrence of the series: the root's due date, else the completion that anchored it."""
    for candidate in (root.due_date, root.completed_at, task.due_date, task.completed_at):
        if candidate is not None:
            return candidate
    raise PermanentEventError(f"task {task.pk} has neither a due date nor a completion time")


def occurrence_create_next(*, envelope: Envelope, now: datetime) -> Task | None:
    """Handle `task.completed`: create the series' next task, set `next_occurrence`, record the event.

    All in one transaction (occurrences_create_next's: one of its own here would only add a savepoint, two
    round trips for each event handled alone), which also settles the debt the completion recorded
    (`next_occurrence_owed_since`). Returns the next task, or None when there is nothing to do: a duplicate
    event, a task since deleted or reopened, or a series that has ended. The unique (series root, due
    date) constraint makes a second occurrence impossible even if two different events race.
    """
    return occurrences_create_next(envelopes=[envelope], now=now).get(envelope.task_id)


@transaction.atomic
def occurrences_create_next(*, envelopes: Sequence[Envelope], now: datetime) -> dict[int, Task | None]:
    """`occurrence_create_next` for a batch of `task.completed` events, in a few statements whatever their
    number: what each completed task's series owes is read from the database as it is now, so the events'
    order does not matter (two completions of one task are one). Returns, by task id, the next occurrence
    (made now, or there already), or None for a task with nothing owed; a duplicate event's task is absent.

    Raises PermanentEventError for a task whose pattern cannot be expanded (the whole batch then rolls back,
    and its events are handled one by one, that one dead-lettered).
    """
    fresh = record_processed_many(consumer=CONSUMER, event_ids=[envelope.event_id for envelope in envelopes])
    owners: dict[int, str] = {}
    for envelope in envelopes:
        if envelope.event_id in fresh:
            fresh.discard(envelope.event_id)  # the same event twice in the batch: its second is a duplicate
            owners[envelope.task_id] = envelope.user_id
        else:
            logger.info("duplicate %s ignored", envelope.event_id)
    if not owners:
        return {}
    # Locked in one order: concurrent batches over the same tasks cannot deadlock.
    tasks = [
        task
        for task in Task.objects.select_for_update(of=("self",))
        .select_related("parent_task")
        .filter(pk__in=list(owners))
        .order_by("pk")
        if task.user_id == owners[task.pk]  # a task is its event's user's, or it is as deleted
    ]
    outcome: dict[int, Task | None] = {}
    owed: list[tuple[Task, Task, datetime]] = []  # (completed task, series root, next due date)
    for task in tasks:
        outcome[task.pk] = None
        if task.completed and task.recurring_pattern:  # else reopened, or no longer recurring
            root = task.parent_task or task
            try:
                task.next_occurrence = _next_due(task, root, now=now)
            except InvalidPatternError as error:
                raise PermanentEventError(f"task {task.pk} has a bad recurring pattern: {error}") from error
            if task.next_occurrence is None:
                logger.info("series of task %s has ended", task.pk)
            else:
                owed.append((task, root, task.next_occurrence))
        task.next_occurrence_owed_since = None
    statements.update_many(tasks, fields=["next_occurrence", "next_occurrence_owed_since"])
    there = {
        (occurrence.parent_task_id, occurrence.due_date): occurrence
        for occurrence in Task.objects.filter(
            parent_task_id__in={root.pk for _, root, _ in owed}, due_date__in={due for _, _, due in owed}
        )
    }
    new: dict[tuple[int, datetime], NextOccurrence] = {}
    for task, root, due in owed:
        if (root.pk, due) in there:  # completed, reopened and completed again: it is there already
            outcome[task.pk] = there[(root.pk, due)]
            continue
        reminders, passed = (
            carried(task.reminders, from_due=task.due_date, to_due=due, now=now)
            if task.due_date is not None
            else ([], set())
        )
        new.setdefault((root.pk, due), NextOccurrence(task, root, due, reminders, frozenset(passed)))
    created = occurrences_create(occurrences=list(new.values()), at=now) if new else []
    made = {(occurrence.parent_task_id, occurrence.due_date): occurrence for occurrence in created}
    for task, root, due in owed:
        if (root.pk, due) in made:
            outcome[task.pk] = made[(root.pk, due)]
            assert task.completed_at is not None  # a completed task has completed_at
            transaction.on_commit(partial(LATENCY.observe, (now - task.completed_at).total_seconds()))
    return outcome


def _next_due(task: Task, root: Task, *, now: datetime) -> datetime | None:
    """The due date of the series' next occurrence, counted from the rule's dates or from the completion."""
    # A completed recurring task: both are set.
    assert task.recurring_pattern is not None
    assert task.completed_at is not None
    if task.recurrence_anchor == RecurrenceAnchor.COMPLETION:
        # Done before its due date: the next one still comes after that date, never on it (one occurrence
        # per due date, and the series goes on).
        return next_occurrence_from_completion(
            pattern=task.recurring_pattern,
            completed_at=task.completed_at,
            time_of_day_of=_series_start(task, root),
            after=max(now, task.due_date or now),
            timezone=task.timezone,
            end=task.recurring_end_date,
        )
    return next_occurrence(
        pattern=task.recurring_pattern,
        series_start=_series_start(task, root),
        after=max(task.due_date or task.completed_at, now),
        timezone=task.timezone,
        end=task.recurring_end_date,
    )


def _give_up_after() -> timedelta:
    """As long as the Celery path would keep retrying (the task-events policy), the sweep does too."""
    return timedelta(seconds=sum(RETRY_POLICIES[TASK_EVENTS].delays) * settings.RETRY_DELAY_SCALE)


def occurrences_create_owed(*, now: datetime, owed_for: timedelta, limit: int = 100) -> int:
    """Create the next occurrences still owed `owed_for` after their completion; returns how many were done.

    The `task.completed` event is the fast path. When it is lost (a worker killed while holding it, a
    broker restarted without persistence) or stuck behind a backlog, this sweep does the same work from
    the database, under the same event id, so whichever comes second is a duplicate. Rows are claimed with
    FOR UPDATE SKIP LOCKED: sweeps running at once share the work. A task that can never get its
    occurrence (a bad pattern), or that keeps failing past the task-events retry policy, is dead-lettered
    and no longer owed.
    """
    done = 0
    with transaction.atomic():
        owed = list(
            Task.objects.select_for_update(skip_locked=True)
            .filter(next_occurrence_owed_since__lte=now - owed_for)
            .order_by("next_occurrence_owed_since")[:limit]
        )
        for task in owed:
            assert task.completed_at is not None  # only a completion makes an occurrence owed
            envelope = parse_envelope(
                build_envelope(
                    event_type=TASK_COMPLETED,
                    task_id=task.pk,
                    user_id=task.user_id,
                    payload=task_completed_payload(task),
                    millis=to_millis(task.completed_at),
                )
            )
            logger.warning("task %s: next occurrence owed since %s; creating it", task.pk, task.completed_at)
            try:
                with transaction.atomic():  # a savepoint: one task's failure keeps the others' work
                    occurrence_create_next(envelope=envelope, now=now)
            except PermanentEventError as error:
                _give_up(task, envelope=envelope, error=error, now=now)
            except Exception as error:
                logger.exception("task %s: creating its owed next occurrence failed", task.pk)
                if now - task.completed_at > _give_up_after():
                    _give_up(task, envelope=envelope, error=error, now=now)
            else:
                done += 1
    return done


def _give_up(task: Task, *, envelope: Envelope, error: Exception, now: datetime) -> None:
    """Dead-letter the completion (unless the Celery path already did) and stop owing the occurrence."""
    already = DeadLetter.objects.filter(consumer=CONSUMER, event_id=envelope.event_id).exists()
    if not already:
        failed = FailedEvent(topic=TASK_EVENTS, consumer=CONSUMER, envelope=envelope.raw, key=task.user_id)
        dead_letter(failed=failed, error=error, at=now)
    Task.objects.filter(pk=task.pk).update(next_occurrence_owed_since=None)
    logger.error("task %s: gave up on its next occurrence: %s", task.pk, error)
