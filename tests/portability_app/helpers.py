"""Export and import through the API, for the tests of portability_app."""

import json
from typing import Any

from tests.support.api import Api


def export_document(api: Api) -> dict[str, Any]:
    response = api.client.get(api.url("export"))
    assert response.status_code == 200, response.content
    assert response.streaming
    return dict(json.loads(response.getvalue()))


def import_document(api: Api, document: Any, **headers: str) -> Any:
    body = document if isinstance(document, bytes | str) else json.dumps(document)
    return api.client.post(api.url("import"), body, content_type="application/json", headers=headers)


def create_task(api: Api, **fields: Any) -> dict[str, Any]:
    response = api.post("tasks", {"title": "A task", **fields})
    assert response.status_code == 201, response.content
    return dict(response.json())


def complete_task(api: Api, task_id: int) -> dict[str, Any]:
    response = api.patch(f"tasks/{task_id}/complete", {"completed": True})
    assert response.status_code == 200, response.content
    return dict(response.json())


def record(task_id: int, **fields: Any) -> dict[str, Any]:
    """A task record of a document as a person might write it: only what is required, and `fields`."""
    return {"id": task_id, "title": f"Task {task_id}", "created_at": "2026-01-05T10:00:00Z", **fields}


def document(*tasks: Any, **header: Any) -> dict[str, Any]:
    return {
        "format": "todo-export",
        "version": 1,
        "exported_at": "2026-01-06T10:00:00Z",
        "timezone": "UTC",
        **header,
        "tasks": list(tasks),
    }
