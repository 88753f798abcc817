"""Who may export and import, what an export holds, and a repeated import with an Idempotency-Key."""

import pytest

from tasks_app.models import Task
from tests.portability_app.helpers import create_task, document, export_document, import_document, record
from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token

pytestmark = pytest.mark.django_db


def test_only_the_owner_exports_and_imports(api: Api, user):
    other = UserProfileFactory()
    as_other = Api(other.id, make_token(other.id))
    assert as_other.client.get(f"/api/{user.id}/export").status_code == 403
    response = as_other.client.post(f"/api/{user.id}/import", document(record(1)), format="json")
    assert response.status_code == 403
    anonymous = Api(user.id, None)
    assert anonymous.client.get(api.url("export")).status_code == 401
    assert anonymous.client.post(api.url("import"), document(record(1)), format="json").status_code == 401
    assert not Task.objects.filter(user_id=user.id).exists()


def test_an_export_holds_the_callers_tasks_only_as_a_dated_attachment(api: Api, user):
    other = UserProfileFactory()
    create_task(Api(other.id, make_token(other.id)), title="Someone else's")
    create_task(api, title="Mine")
    response = api.client.get(api.url("export"))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="todo-export-20')
    exported = export_document(api)
    assert [task["title"] for task in exported["tasks"]] == ["Mine"]
    assert exported["format"] == "todo-export"
    assert exported["version"] == 1
    assert exported["timezone"] == user.timezone
    assert exported["exported_at"].endswith("Z")


def test_an_empty_account_exports_an_empty_list(api: Api):
    assert export_document(api)["tasks"] == []


def test_a_large_export_streams_in_chunks(api: Api, user):
    Task.objects.bulk_create(
        Task(
            user=user,
            title=f"Task {number}",
            created_at="2026-01-05T10:00:00Z",
            updated_at="2026-01-05T10:00:00Z",
        )
        for number in range(3000)
    )
    response = api.client.get(api.url("export"))
    chunks = list(response)
    assert len(chunks) > 3
    assert not response.has_header("Content-Length")


def test_an_idempotency_key_imports_once_and_replays(api: Api):
    body = document(record(1), record(2))
    first = import_document(api, body, **{"Idempotency-Key": "move-1"})
    assert first.status_code == 201
    again = import_document(api, body, **{"Idempotency-Key": "move-1"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() == {"imported": 2, "series": 0}
    assert Task.objects.filter(user_id=api.user_id).count() == 2

    other = import_document(api, document(record(1)), **{"Idempotency-Key": "move-1"})
    assert other.status_code == 400
    assert set(other.json()["error"]["details"]) == {"Idempotency-Key"}
    assert Task.objects.filter(user_id=api.user_id).count() == 2

    assert import_document(api, body).status_code == 201  # without a key, a second import is a second copy
    assert Task.objects.filter(user_id=api.user_id).count() == 4


def test_a_refused_import_does_not_use_up_its_key(api: Api):
    assert import_document(api, document(record(1, title="")), **{"Idempotency-Key": "k"}).status_code == 400
    assert import_document(api, document(record(1)), **{"Idempotency-Key": "k"}).status_code == 201


def test_a_large_import_is_read_as_a_stream(api: Api):
    """5,000 tasks, a third of them in series: the body (over 2.5 MB, Django's limit for a body read
    whole) is parsed as it is read, and every task is created with its events."""
    tasks = []
    for number in range(1, 5001):
        first = number % 3 == 1
        tasks.append(
            record(
                number,
                series=None if first else number - (number - 1) % 3,
                recurring_pattern="DAILY",
                due_date=f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}T{number % 24:02d}:00:00Z",
                description="x" * 400,
                tags=["bulk", f"n{number % 7}"],
            )
        )
    body = document(*tasks)
    response = import_document(api, body)
    assert response.status_code == 201, response.content[:500]
    assert response.json() == {"imported": 5000, "series": 3333}
    assert Task.objects.filter(user_id=api.user_id).count() == 5000
    assert Task.objects.filter(user_id=api.user_id, parent_task__isnull=False).count() == 3333
