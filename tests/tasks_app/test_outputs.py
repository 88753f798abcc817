"""The fast task representation (tasks_app/outputs.py) is TaskOutputSerializer's, value for value and in
the same key order; a page of them, written by orjson, renders to the serializer's bytes; and the JSON
renderer writes what DRF's would."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.renderers import JSONRenderer

from tasks_app.models import Task
from tasks_app.outputs import TASK_OUTPUT_FIELDS, task_output, task_rows_output
from tasks_app.reminders import ReminderSpec, store
from tasks_app.serializers import TaskOutputSerializer
from tests.support.factories import TaskFactory
from workers.http.renderers import OrjsonRenderer

pytestmark = pytest.mark.django_db


def test_output_fields_are_the_serializers() -> None:
    assert TaskOutputSerializer.Meta.fields == TASK_OUTPUT_FIELDS


def test_a_task_with_every_field_set_reads_as_the_serializer_shows_it() -> None:
    parent = TaskFactory()
    at = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    task = TaskFactory(
        user=parent.user,
        title="Water the plants",
        description="Line one\nline two é",
        completed=True,
        completed_at=at,
        priority="high",
        tags=["home", "garden"],
        due_date=datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/Paris")),
        timezone="Europe/Paris",
        recurring_pattern="weekly",
        recurring_end_date=datetime(2026, 12, 31, 22, 59, 59, 999999, tzinfo=UTC),
        next_occurrence=datetime(2026, 3, 9, 7, 0, tzinfo=timezone(timedelta(hours=-5))),
        parent_task=parent,
        reminder_at=at - timedelta(hours=1),
        reminder_sent=True,
        created_at=at - timedelta(days=3),
        updated_at=at,
    )
    expected = TaskOutputSerializer(task).data
    assert list(task_output(task).items()) == list(expected.items())
    fresh = Task.objects.get(pk=task.pk)
    assert list(task_output(fresh).items()) == list(TaskOutputSerializer(fresh).data.items())
    rows = Task.objects.filter(pk=task.pk).values(*TASK_OUTPUT_FIELDS)
    assert _page(task_rows_output(rows)) == JSONRenderer().render({"results": [expected]})


def _page(results: object) -> bytes:
    return OrjsonRenderer().render({"results": results})


def test_a_page_renders_as_the_serializer_shows_its_tasks_and_indents_as_drf() -> None:
    due = datetime(2026, 5, 1, 7, 15, tzinfo=UTC)
    spec = ReminderSpec(before_due=timedelta(hours=1))
    first = TaskFactory(due_date=due, reminders=store([spec], due_date=due, done=[]).reminders)
    TaskFactory(user=first.user, completed=True, completed_at=datetime(2026, 5, 2, 0, 0, 0, 7, tzinfo=UTC))
    TaskFactory(user=first.user, title="é ✓ 😀 \u2028", tags=[])
    tasks = Task.objects.filter(user=first.user).order_by("pk")
    expected = [TaskOutputSerializer(task).data for task in tasks]

    page = task_rows_output(tasks.values(*TASK_OUTPUT_FIELDS))

    assert _page(page) == JSONRenderer().render({"results": expected})
    media_type = "application/json; indent=2"
    indented = OrjsonRenderer().render({"results": page}, media_type)
    assert indented == JSONRenderer().render({"results": expected}, media_type)


def test_a_page_with_text_orjson_refuses_fails_as_in_drf() -> None:
    task = TaskFactory()
    row = {**Task.objects.values(*TASK_OUTPUT_FIELDS).get(pk=task.pk), "title": "\ud800"}
    expected = {**TaskOutputSerializer(task).data, "title": "\ud800"}

    page = task_rows_output([row])

    assert page == [expected]
    with pytest.raises(UnicodeEncodeError):
        _page(page)


def test_a_task_with_nothing_optional_reads_as_the_serializer_shows_it() -> None:
    task = Task.objects.get(pk=TaskFactory().pk)
    assert list(task_output(task).items()) == list(TaskOutputSerializer(task).data.items())


@pytest.mark.parametrize(
    "data",
    [
        {"count": 1, "next": None, "results": [{"title": "é ✓ 😀", "tags": ["a"], "done": False}]},
        {"text": 'separators \u2028 and \u2029, controls \x00\x1f\x7f \t\n " \\'},
        {
            "at": datetime(2026, 1, 1, 12, tzinfo=UTC),
            "zero": datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/London")),
        },
        {
            "paris": datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=ZoneInfo("Europe/Paris")),
            "day": date(2026, 1, 1),
        },
        {"amount": Decimal("1.50"), "ratio": 0.1, "big": 10**20, 3: "int key"},
        [1, "two", None, True, {"nested": [[]]}],
    ],
)
def test_the_renderer_writes_drfs_bytes(data: object) -> None:
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_a_string_that_is_not_unicode_fails_as_in_drf() -> None:
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"surrogate": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        OrjsonRenderer().render({"surrogate": "\ud800"})


def test_the_renderer_indents_as_drf_when_asked() -> None:
    data = {"a": [1, 2]}
    media_type = "application/json; indent=2"
    assert OrjsonRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
    assert json.loads(OrjsonRenderer().render(data, media_type)) == data


def test_nothing_renders_as_no_bytes() -> None:
    assert OrjsonRenderer().render(None) == b""
