"""A document that cannot be imported is a 400 naming each problem (a task's by its index), never a 500,
and leaves the account exactly as it was."""

import json
from typing import Any

import pytest

from portability_app import apis
from portability_app.services import IMPORT_BATCH
from tasks_app.models import Task
from tests.portability_app.helpers import document, import_document, record
from tests.support.api import Api
from tests.support.outbox import outbox_types

pytestmark = pytest.mark.django_db


def _details(api: Api, body: Any) -> dict[str, Any]:
    response = import_document(api, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert not Task.objects.filter(user_id=api.user_id).exists()
    assert outbox_types(api.user_id) == []
    return dict(error["details"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Not valid JSON"),
        (b"{", "Not valid JSON"),
        (b'{"format": "todo-export", "tasks": [}', "Not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"format": "todo-export", "version": 1}', "no `tasks` array"),
        (b'{"tasks": {}}', "`tasks` must be an array"),
        (b'{"tasks": [], "tasks": []}', "`tasks` must be an array"),
        (json.dumps(document()).encode() + b" {}", "Not valid JSON"),
    ],
)
def test_a_malformed_document_is_refused(api: Api, body: bytes, message: str):
    details = _details(api, body)
    [problem] = details["document"]
    assert message in problem


def test_an_unknown_format_or_version_is_refused(api: Api):
    assert set(_details(api, document(format="something-else"))) == {"format"}
    assert set(_details(api, document(version=2))) == {"version"}
    assert set(_details(api, document(version="1"))) == {"version"}
    details = _details(api, {"tasks": [record(1)]})
    assert set(details) == {"format", "version", "exported_at", "timezone"}


def test_each_invalid_task_is_named_by_its_index(api: Api):
    details = _details(
        api,
        document(
            record(1),
            {"id": 2, "created_at": "2026-01-05T10:00:00Z"},
            record(3, completed=True),
            record(4, recurring_pattern="FREQ=SOMETIMES"),
            record(5, due_date="2026-01-05T10:00:00"),
            record(6, priority="urgent", tags="home", completed="yes"),
            "not a task",
            record(8, recurring_end_date="2026-02-01T00:00:00Z"),
        ),
    )
    tasks = details["tasks"]
    assert set(tasks) == {"1", "2", "3", "4", "5", "6"} | {"7"}
    assert set(tasks["1"]) == {"title"}
    assert set(tasks["2"]) == {"completed_at"}
    assert set(tasks["3"]) == {"recurring_pattern"}
    assert set(tasks["4"]) == {"due_date"}
    assert set(tasks["5"]) == {"priority", "tags", "completed"}
    assert set(tasks["6"]) == {"non_field_errors"}
    assert set(tasks["7"]) == {"recurring_end_date"}


def test_a_series_reference_must_name_an_earlier_task_of_the_file(api: Api):
    details = _details(api, document(record(1, series=2), record(2)))
    assert details == {"tasks": {"0": {"series": ["No earlier task of the file has the id 2."]}}}
    details = _details(api, document(record(1), record(1)))
    assert details == {"tasks": {"1": {"id": ["Another task of the file has this id."]}}}
    details = _details(api, document(record(1, series=1)))
    assert set(details["tasks"]["0"]) == {"series"}


def test_two_occurrences_of_a_series_on_one_due_date_are_refused(api: Api):
    due = "2026-03-01T09:00:00Z"
    details = _details(
        api,
        document(
            record(1, recurring_pattern="DAILY"),
            record(2, series=1, recurring_pattern="DAILY", due_date=due),
            record(3, series=1, recurring_pattern="DAILY", due_date=due),
        ),
    )
    assert set(details) == {"tasks"}
    assert set(details["tasks"]) == {"2"}
    assert set(details["tasks"]["2"]) == {"due_date"}


def test_a_problem_after_whole_batches_undoes_them_all(api: Api):
    valid = [record(number) for number in range(1, IMPORT_BATCH * 2 + 2)]
    details = _details(api, document(*valid, record(IMPORT_BATCH * 3, title="")))
    assert set(details["tasks"]) == {str(len(valid))}


def test_problems_are_reported_up_to_a_limit(api: Api):
    details = _details(api, document(*(record(number, title="") for number in range(1, 100))))
    assert len(details["tasks"]) == 20


def test_the_body_must_be_json(api: Api):
    response = api.client.post(api.url("import"), "format=todo-export", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_document_over_the_limit_is_refused_without_reading_it_whole(api: Api, monkeypatch):
    monkeypatch.setattr(apis, "IMPORT_MAX_BYTES", 1000)
    response = import_document(api, document(*(record(number) for number in range(1, 50))))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Task.objects.filter(user_id=api.user_id).exists()
