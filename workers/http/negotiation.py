"""DRF's content negotiation, answered at once for what nearly every API request asks: a view with one
renderer (JSON), and an Accept header that is absent, `*/*` or `application/json`, without `?format=`.

DRF parses the Accept header and orders its media types on every request (about 4% of a request's CPU,
bench/api.py); for these requests its answer is always the renderer and its own media type. Anything else
(another Accept header, a view with several renderers such as the schema's) goes to DRF's negotiation.
"""

from collections.abc import Iterable, Sequence

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

TAKES_JSON = frozenset(("*/*", "application/json"))


class JsonFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        if (
            isinstance(renderers, Sequence)  # DRF gives its view's list
            and len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT", "*/*") in TAKES_JSON
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        selected: tuple[BaseRenderer, str] = super().select_renderer(request, renderers, format_suffix)
        return selected
