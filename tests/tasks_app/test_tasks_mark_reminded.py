"""tasks_mark_reminded: the reminder delivery records a sent reminder on its task as any task write does."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from tasks_app.models import Task
from tasks_app.services import tasks_mark_reminded
from tests.support.factories import TaskFactory
from tests.support.outbox import outbox_envelopes

pytestmark = pytest.mark.django_db

CREATED = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
REMIND_AT = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SENT_AT = REMIND_AT + timedelta(milliseconds=40)


def test_the_task_is_marked_with_its_updated_at_bumped_and_a_task_updated_event():
    task = TaskFactory(reminder_at=REMIND_AT, created_at=CREATED)

    with transaction.atomic():
        [marked] = tasks_mark_reminded(reminders=[(task.pk, REMIND_AT)], at=SENT_AT)

    stored = Task.objects.get(pk=task.pk)
    assert (stored.reminder_sent, stored.updated_at) == (True, SENT_AT)
    assert marked.pk == task.pk
    [event] = outbox_envelopes(task.user_id, "task.updated")
    assert event["payload"]["changed"] == ["reminders", "reminder_sent"]
    assert event["payload"]["task"]["reminder_sent"] is True
    assert event["payload"]["task"]["updated_at"] == "2030-06-01T12:00:00.040Z"


def test_a_batch_is_marked_at_once_and_a_task_whose_reminder_moved_is_left_alone():
    first, second = TaskFactory(reminder_at=REMIND_AT), TaskFactory(reminder_at=REMIND_AT)
    moved = TaskFactory(reminder_at=REMIND_AT + timedelta(hours=1), created_at=CREATED)
    already = TaskFactory(reminder_at=REMIND_AT, reminder_sent=True, created_at=CREATED)

    with transaction.atomic():
        marked = tasks_mark_reminded(
            reminders=[(task.pk, REMIND_AT) for task in (first, second, moved, already)], at=SENT_AT
        )

    assert sorted(task.pk for task in marked) == sorted([first.pk, second.pk])
    for task in (moved, already):
        assert Task.objects.get(pk=task.pk).updated_at == CREATED
        assert outbox_envelopes(task.user_id, "task.updated") == []
    assert not Task.objects.get(pk=moved.pk).reminder_sent
