"""The reminder schedule's rules, without Celery: sync from the task, the horizon, the lost-worker sweep."""

from datetime import UTC, datetime, timedelta

import pytest

from notifications_app.models import Reminder
from notifications_app.services import reminder_sync, reminders_enqueue_due, reminders_sync
from tests.support.factories import TaskFactory
from tests.support.reminders import set_reminders

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def enqueued():
    """What would be handed to Celery after each commit: the instants of delivery tasks."""
    calls: list[datetime] = []
    return calls, calls.append


def sync(task, enqueue, now=NOW):
    """The task's first active reminder after the sync, or None."""
    active = reminder_sync(task_id=task.pk, user_id=task.user_id, now=now, enqueue=enqueue)
    return active[0] if active else None


def test_a_reminder_beyond_the_horizon_waits_for_the_scan(
    enqueued, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_HORIZON_SECONDS = 300
    calls, enqueue = enqueued
    task = TaskFactory(reminder_at=NOW + timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        reminder = sync(task, enqueue)
    assert reminder is not None
    assert (reminder.status, calls) == (Reminder.Status.SCHEDULED, [])

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_enqueue_due(now=NOW + timedelta(minutes=5, seconds=1), enqueue=enqueue) == 1
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.ENQUEUED
    assert calls == [reminder.remind_at]


def test_moving_the_reminder_cancels_the_old_row_and_schedules_the_new(
    enqueued, django_capture_on_commit_callbacks
):
    calls, enqueue = enqueued
    task = TaskFactory(reminder_at=NOW + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        first = sync(task, enqueue)
    set_reminders(task, NOW + timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        second = sync(task, enqueue)
    assert first is not None
    assert second is not None
    first.refresh_from_db()
    assert first.status == Reminder.Status.CANCELLED
    assert second.status == Reminder.Status.ENQUEUED
    assert calls == [first.remind_at, second.remind_at]


def test_the_same_event_twice_changes_nothing(enqueued, django_capture_on_commit_callbacks):
    calls, enqueue = enqueued
    task = TaskFactory(reminder_at=NOW + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        sync(task, enqueue)
        sync(task, enqueue)
    assert Reminder.objects.count() == 1
    assert len(calls) == 1


def test_the_sweep_re_enqueues_a_lost_reminder_but_not_one_waiting_for_its_smtp_retry(
    enqueued, django_capture_on_commit_callbacks
):
    calls, enqueue = enqueued
    lost_task = TaskFactory(reminder_at=NOW + timedelta(seconds=30))
    retrying_task = TaskFactory(reminder_at=NOW + timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        lost = sync(lost_task, enqueue)
        retrying = sync(retrying_task, enqueue)
    assert lost is not None
    assert retrying is not None
    # The second one failed at its instant and waits 512 s for its next SMTP attempt.
    Reminder.objects.filter(pk=retrying.pk).update(next_attempt_at=NOW + timedelta(seconds=542), attempts=10)
    Reminder.objects.update(updated_at=NOW)
    calls.clear()

    later = NOW + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_enqueue_due(now=later, enqueue=enqueue) == 1
    lost.refresh_from_db()
    assert (lost.status, lost.version) == (Reminder.Status.ENQUEUED, 2)  # the row stays as it was
    assert calls == [later]  # overdue: a delivery task right now
    assert Reminder.objects.get(pk=retrying.pk).version == retrying.version  # left alone


def test_the_scan_gives_a_schedule_row_to_a_task_whose_reminder_event_was_lost(
    enqueued, django_capture_on_commit_callbacks, caplog
):
    calls, enqueue = enqueued
    settled = NOW - timedelta(minutes=1)
    lost = TaskFactory(reminder_at=NOW + timedelta(seconds=30), updated_at=settled)
    overdue = TaskFactory(reminder_at=NOW - timedelta(seconds=10), updated_at=settled)
    in_flight = TaskFactory(reminder_at=NOW + timedelta(seconds=30), updated_at=NOW - timedelta(seconds=1))
    later = TaskFactory(reminder_at=NOW + timedelta(hours=1), updated_at=settled)
    done = TaskFactory(reminder_at=NOW + timedelta(seconds=30), updated_at=settled, completed=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_enqueue_due(now=NOW, enqueue=enqueue) == 2

    assert set(Reminder.objects.values_list("task_id", "status")) == {
        (lost.pk, Reminder.Status.ENQUEUED),
        (overdue.pk, Reminder.Status.ENQUEUED),
    }
    assert sorted(calls) == [overdue.reminder_at, lost.reminder_at]  # a delivery task at each instant
    # A task changed a moment ago has its event on the way; one beyond the horizon waits for it; a
    # completed one wants no reminder.
    assert not Reminder.objects.filter(task_id__in=[in_flight.pk, later.pk, done.pk]).exists()
    # One line for the scan, not one per task: a flood of late events must not drown the log.
    [line] = [record.getMessage() for record in caplog.records if "no schedule row" in record.getMessage()]
    assert line.startswith("2 tasks want a reminder soon but have no schedule row 2.0s after their last")


def test_many_tasks_sync_at_once_in_a_few_statements_as_each_would_alone(
    enqueued, django_capture_on_commit_callbacks, django_assert_max_num_queries, settings
):
    """A batch of events: new reminders, a moved one, a task deleted since, an event naming another user
    than the task's, a task with two reminders. The outcome is the one-task sync's for each; the statements
    do not grow with the number of tasks (each row entering the horizon is one update)."""
    settings.REMINDER_HORIZON_SECONDS = 300
    calls, enqueue = enqueued
    fresh = [TaskFactory(reminder_at=NOW + timedelta(minutes=10 + n)) for n in range(5)]  # beyond the horizon
    soon_at = NOW + timedelta(minutes=1)
    soon = TaskFactory(reminder_at=soon_at)
    moved = TaskFactory(reminder_at=NOW + timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        old = sync(moved, enqueue)
    set_reminders(moved, NOW + timedelta(minutes=30))
    gone = TaskFactory(reminder_at=NOW + timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        sync(gone, enqueue)
    gone_id = gone.pk
    gone.delete()
    other_users = TaskFactory(reminder_at=NOW + timedelta(minutes=20))
    two = TaskFactory()
    set_reminders(two, NOW + timedelta(minutes=40), NOW + timedelta(minutes=50))
    events = [(task.pk, task.user_id) for task in (*fresh, soon, moved, two)]
    events += [(gone_id, moved.user_id), (other_users.pk, "someone-else")]
    calls.clear()

    with django_assert_max_num_queries(9), django_capture_on_commit_callbacks(execute=True):
        active = reminders_sync(tasks=events, now=NOW, enqueue=enqueue)

    assert [[r.remind_at for r in active[task.pk]] for task in fresh] == [[t.reminder_at] for t in fresh]
    assert all(active[task.pk][0].status == Reminder.Status.SCHEDULED for task in fresh)
    [entering] = active[soon.pk]
    assert (entering.remind_at, entering.status) == (soon_at, Reminder.Status.ENQUEUED)
    assert calls == [soon_at]  # only the one within the horizon
    assert [r.remind_at for r in active[moved.pk]] == [NOW + timedelta(minutes=30)]
    assert old is not None
    old.refresh_from_db()
    assert old.status == Reminder.Status.CANCELLED
    assert active[gone_id] == []
    assert not Reminder.objects.filter(task_id=gone_id).exclude(status=Reminder.Status.CANCELLED).exists()
    assert active[other_users.pk] == []
    assert [r.remind_at for r in active[two.pk]] == [NOW + timedelta(minutes=40), NOW + timedelta(minutes=50)]
    # The same events again change nothing: the sync follows the tasks, not the events.
    with django_capture_on_commit_callbacks(execute=True):
        again = reminders_sync(tasks=events, now=NOW, enqueue=enqueue)
    assert {task_id: [r.pk for r in rows] for task_id, rows in again.items()} == {
        task_id: [r.pk for r in rows] for task_id, rows in active.items()
    }
    assert calls == [soon_at]
