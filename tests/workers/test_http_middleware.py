"""Django's cookie middlewares (workers/http/middleware.py): skipped by an API request that brings its
token, run for every other request (the admin, Swagger UI, an operator's session on the dead-letter API:
tests/workers/test_dead_letter_api.py signs in and checks CSRF there)."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_api_request_with_its_token_skips_sessions_csrf_user_and_messages(api):
    response = api.get("tasks")

    assert response.status_code == 200
    served = response.wsgi_request
    assert not hasattr(served, "session")
    assert not hasattr(served, "_messages")
    assert "CSRF_COOKIE" not in served.META
    assert served.user.id == api.user_id  # the user DRF authenticated by the token, and only it
    assert not response.cookies


def test_an_api_request_without_a_token_goes_through_them_and_is_refused(user):
    response = Client().get(f"/api/{user.id}/tasks")

    assert response.status_code == 401
    assert hasattr(response.wsgi_request, "session")
    assert hasattr(response.wsgi_request, "_messages")


def test_a_browser_page_with_an_authorization_header_still_has_its_session_and_csrf_cookie():
    """Outside the API a header changes nothing: the admin's sign-in page sets its CSRF cookie."""
    response = Client().get(reverse("admin:login"), headers={"Authorization": "Bearer not-for-the-admin"})

    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")
    assert "csrftoken" in response.cookies


def test_an_empty_authorization_header_is_no_token_and_goes_through_them(user):
    response = Client().get(f"/api/{user.id}/tasks", headers={"Authorization": ""})

    assert response.status_code == 401
    assert hasattr(response.wsgi_request, "session")
