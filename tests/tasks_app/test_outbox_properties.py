"""Property: any sequence of API changes leaves exactly the expected events in the outbox, in order."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token
from tests.support.outbox import outbox_rows

pytestmark = pytest.mark.django_db

operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.booleans()),
        st.tuples(st.just("update"), st.sampled_from(["title", "reminder_on", "reminder_off", "same"])),
        st.tuples(st.just("complete"), st.booleans()),
        st.just(("delete", None)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_every_change_writes_its_events_in_order(ops):
    user = UserProfileFactory(id=f"prop-{uuid.uuid4().hex[:12]}")
    api = Api(user.id, make_token(user.id, email=user.email, name=user.name))
    expected: list[tuple[str, int]] = []
    task: dict | None = None  # the model of the latest task created (the one the operations act on)

    for name, argument in ops:
        if name == "create":
            reminder = "2099-01-01T00:00:00Z" if argument else None
            response = api.post("tasks", {"title": "t", "reminder_at": reminder})
            assert response.status_code == 201
            task = {"id": response.json()["id"], "title": "t", "reminder_at": reminder, "completed": False}
            expected.append(("task.created", task["id"]))
            if reminder:
                expected.append(("reminder.scheduled", task["id"]))
            continue
        if task is None:
            continue
        task_id = task["id"]
        if name == "update":
            field, value = {
                "title": ("title", f"t-{len(expected) % 3}"),
                "reminder_on": ("reminder_at", f"2099-01-0{len(expected) % 3 + 1}T00:00:00Z"),
                "reminder_off": ("reminder_at", None),
                "same": ("title", task["title"]),
            }[argument]
            assert api.patch(f"tasks/{task_id}", {field: value}).status_code == 200
            if task[field] != value:
                expected.append(("task.updated", task_id))
                if field == "reminder_at":
                    expected.append(("reminder.scheduled" if value else "reminder.cancelled", task_id))
                task[field] = value
        elif name == "complete":
            assert api.patch(f"tasks/{task_id}/complete", {"completed": argument}).status_code == 200
            if argument != task["completed"]:
                if argument:
                    expected.append(("task.completed", task_id))
                expected.append(("task.updated", task_id))
                task["completed"] = argument
        elif name == "delete":
            assert api.delete(f"tasks/{task_id}").status_code == 204
            expected.append(("task.deleted", task_id))
            if task["reminder_at"]:
                expected.append(("reminder.cancelled", task_id))
            task = None

    rows = outbox_rows(user.id)
    assert [(row.event_type, row.payload["task_id"]) for row in rows] == expected
    assert len({row.event_id for row in rows}) == len(rows)
    assert [row.id for row in rows] == sorted(row.id for row in rows)
