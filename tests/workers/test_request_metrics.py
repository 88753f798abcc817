"""The web process's request metrics (`workers.http.metrics`): the django-prometheus series the operators'
dashboard reads, counted once per request with the labels it had."""

from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from prometheus_client import REGISTRY

from tests.support.factories import UserProfileFactory, make_token

pytestmark = pytest.mark.django_db


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def series(view: str, method: str, status: str) -> dict[str, float]:
    return {
        "by_method": sample("django_http_requests_total_by_method_total", method=method),
        "by_view": sample(
            "django_http_requests_total_by_view_transport_method_total",
            view=view,
            transport="http",
            method=method,
        ),
        "by_status": sample("django_http_responses_total_by_status_total", status=status),
        "latency_count": sample(
            "django_http_requests_latency_seconds_by_view_method_count", view=view, method=method
        ),
        "latency_within_10s": sample(
            "django_http_requests_latency_seconds_by_view_method_bucket", view=view, method=method, le="10.0"
        ),
    }


def counted(view: str, method: str, status: str, request: Callable[[], int]) -> tuple[int, dict[str, float]]:
    before = series(view, method, status)
    answered = request()
    after = series(view, method, status)
    return answered, {name: after[name] - before[name] for name in after}


ONCE = {"by_method": 1, "by_view": 1, "by_status": 1, "latency_count": 1, "latency_within_10s": 1}


def test_an_api_request_is_counted_once_in_each_series_by_its_view_method_and_status():
    user = UserProfileFactory()
    headers = {"Authorization": f"Bearer {make_token(user.id)}"}

    status, created = counted(
        "task-list",
        "POST",
        "201",
        lambda: (
            Client()
            .post(
                f"/api/{user.id}/tasks",
                {"title": "counted"},
                content_type="application/json",
                headers=headers,
            )
            .status_code
        ),
    )
    refused, unauthenticated = counted(
        "task-list", "GET", "401", lambda: Client().get(f"/api/{user.id}/tasks").status_code
    )

    assert (status, created) == (201, ONCE)
    assert (refused, unauthenticated) == (401, ONCE)


def test_a_path_no_view_answers_is_counted_as_an_unnamed_view():
    status, missing = counted(
        "<unnamed view>", "GET", "404", lambda: Client().get("/no/such/path").status_code
    )

    assert (status, missing) == (404, ONCE)


def broken(request: HttpRequest) -> HttpResponse:
    raise LookupError("a bug")


urlpatterns = [path("broken", broken, name="broken")]


@pytest.mark.urls(__name__)
def test_an_unhandled_exception_is_counted_by_type_and_view_and_as_a_500():
    before = (
        sample("django_http_exceptions_total_by_type_total", type="LookupError"),
        sample("django_http_exceptions_total_by_view_total", view="broken"),
    )

    status, answered = counted(
        "broken", "GET", "500", lambda: Client(raise_request_exception=False).get("/broken").status_code
    )

    assert (status, answered) == (500, ONCE)
    assert (
        sample("django_http_exceptions_total_by_type_total", type="LookupError"),
        sample("django_http_exceptions_total_by_view_total", view="broken"),
    ) == (before[0] + 1, before[1] + 1)
