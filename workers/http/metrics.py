"""Request metrics of the web process: the django-prometheus series the dashboards read, from one middleware.

django-prometheus' two middlewares update thirteen series on every request (body sizes, charsets, AJAX,
transports, latency before and after the other middlewares), each through `labels()`: about 0.13 ms of CPU
per API request (docs/operations.md). The operators' dashboard (ops/grafana) and the suite read four of
them; this middleware keeps those four, under their names and labels, with each label set's children
looked up once:

- `django_http_requests_total_by_method_total{method}`
- `django_http_requests_total_by_view_transport_method_total{view, transport, method}`
- `django_http_responses_total_by_status_total{status}`
- `django_http_requests_latency_seconds_by_view_method{view, method}` (a histogram with django-prometheus'
  buckets, timed around every middleware below this one: what the client waits for in Django)

and counts unhandled exceptions as django-prometheus does (`django_http_exceptions_total_by_type{type}`,
`..._by_view{view}`). It is the first middleware, so it counts the responses other middlewares give too.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django_prometheus.conf import PROMETHEUS_LATENCY_BUCKETS
from prometheus_client import Counter, Histogram

REQUESTS_BY_METHOD = Counter(
    "django_http_requests_total_by_method", "Count of requests by method.", ["method"]
)
REQUESTS_BY_VIEW = Counter(
    "django_http_requests_total_by_view_transport_method",
    "Count of requests by view, transport, method.",
    ["view", "transport", "method"],
)
RESPONSES_BY_STATUS = Counter(
    "django_http_responses_total_by_status", "Count of responses by status.", ["status"]
)
LATENCY_BY_VIEW = Histogram(
    "django_http_requests_latency_seconds_by_view_method",
    "Histogram of request processing time labelled by view.",
    ["view", "method"],
    buckets=PROMETHEUS_LATENCY_BUCKETS,
)
EXCEPTIONS_BY_TYPE = Counter(
    "django_http_exceptions_total_by_type", "Count of exceptions by object type.", ["type"]
)
EXCEPTIONS_BY_VIEW = Counter("django_http_exceptions_total_by_view", "Count of exceptions by view.", ["view"])

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
UNNAMED_VIEW = "<unnamed view>"
INVALID_METHOD = "<invalid method>"

Children = tuple[Counter, Counter, Counter, Histogram]
# One entry per (view, transport, method, status) seen: views are the URLconf's names, methods and
# statuses are bounded, so this stays as small as the series themselves.
_children: dict[tuple[str, str, str, int], Children] = {}


def _view(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None else None) or UNNAMED_VIEW


def _labelled(view: str, transport: str, method: str, status: int) -> Children:
    key = (view, transport, method, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (
            REQUESTS_BY_METHOD.labels(method),
            REQUESTS_BY_VIEW.labels(view, transport, method),
            RESPONSES_BY_STATUS.labels(str(status)),
            LATENCY_BY_VIEW.labels(view, method),
        )
    return children


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        method = request.method if request.method in METHODS else INVALID_METHOD
        transport = "https" if request.is_secure() else "http"
        by_method, by_view, by_status, latency = _labelled(
            _view(request), transport, method, response.status_code
        )
        by_method.inc()
        by_view.inc()
        by_status.inc()
        latency.observe(seconds)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        EXCEPTIONS_BY_TYPE.labels(type(exception).__name__).inc()
        EXCEPTIONS_BY_VIEW.labels(_view(request)).inc()
