"""Errors have one JSON shape everywhere; the OpenAPI schema is served (the docs page: test_api_docs.py)."""

import pytest
from django.test import Client


def test_unknown_url_is_json_404():
    response = Client().get("/api/nope/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such resource.", "details": {}}}


@pytest.mark.django_db
def test_unhandled_error_is_json_500_without_a_traceback(api, monkeypatch):
    from tasks_app import selectors

    def explode(**kwargs):
        raise RuntimeError("secret internals")

    # A fault injected into our own code, where every list request passes (the list's query is built only
    # when its statement is compiled, which an earlier test may have done).
    monkeypatch.setattr(selectors, "task_list_prepared", explode)
    response = api.get("tasks")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "Internal server error.", "details": {}}
    }
    assert b"secret internals" not in response.content


def test_method_not_allowed_is_json_405(api):
    response = api.client.post(api.url("tasks/1/complete"), {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_openapi_schema_describes_the_task_routes():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/{user_id}/tasks" in schema["paths"]
    assert "/api/{user_id}/tasks/{task_id}/complete" in schema["paths"]
    assert "Idempotency-Key" in str(schema["paths"]["/api/{user_id}/tasks"]["post"]["parameters"])
