"""The short-cut content negotiation (workers/http/negotiation.py) answers as DRF's own would, for the
requests it answers itself and for those it hands over."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, StaticHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from workers.http.negotiation import JsonFirstNegotiation
from workers.http.renderers import OrjsonRenderer

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=2",
    "application/*",
    "text/html",
    "application/xml",
    "text/html, */*;q=0.8",
    "",
]
RENDERERS = {
    "json": [OrjsonRenderer()],
    "json and html": [OrjsonRenderer(), BrowsableAPIRenderer()],
    "html": [StaticHTMLRenderer()],
}


def _answer(negotiation: DefaultContentNegotiation, request: Request, renderers: list, suffix: str | None):
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except NotAcceptable as error:
        return "406", str(error.detail)
    except Http404:  # a format no renderer writes
        return "404", ""
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("renderers", RENDERERS.values(), ids=RENDERERS.keys())
@pytest.mark.parametrize(
    ("query", "suffix"), [("", None), ("?format=json", None), ("?format=api", None), ("", "json")]
)
def test_the_short_cut_answers_as_drf(
    accept: str | None, renderers: list, query: str, suffix: str | None
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    request = Request(APIRequestFactory().get(f"/api/x/tasks{query}", headers=headers))

    ours = _answer(JsonFirstNegotiation(), request, renderers, suffix)

    assert ours == _answer(DefaultContentNegotiation(), request, renderers, suffix)


def test_an_api_request_that_takes_no_json_is_a_406(api) -> None:
    response = api.client.get(api.url("tasks"), HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_acceptable"
