"""Tickets into a stream, issued by the API; and the stream's route under the WSGI API, which refuses it."""

import asyncio
import hashlib

import pytest

from live_updates_app import streams
from live_updates_app.tickets import ticket_redeem
from tests.support.api import Api

pytestmark = pytest.mark.django_db


def _redeem(ticket: str) -> str | None:
    async def redeem() -> str | None:
        client = streams.async_client()
        try:
            return await ticket_redeem(client, ticket)
        finally:
            await client.aclose()

    return asyncio.run(redeem())


def test_a_ticket_is_issued_to_the_caller_for_thirty_seconds_and_works_once(api, user):
    response = api.post("events/tickets", None)
    assert response.status_code == 201
    body = response.json()
    assert body["expires_in"] == 30
    key = "live:ticket:" + hashlib.sha256(body["ticket"].encode()).hexdigest()
    assert 25 <= streams.client().ttl(key) <= 30
    assert streams.client().get(key) == user.id.encode()  # only the hash is a key: Redis holds no ticket
    assert _redeem(body["ticket"]) == user.id
    assert _redeem(body["ticket"]) is None
    assert _redeem("made-up") is None


def test_only_the_user_may_have_a_ticket(api, user):
    assert Api(user.id, None).post("events/tickets", None).status_code == 401
    assert (
        Api("someone-else", api.client._credentials["HTTP_AUTHORIZATION"].split()[1])
        .post("events/tickets", None)
        .status_code
        == 403
    )


def test_the_wsgi_api_does_not_serve_streams(api):
    """A stream would hold one of the API's threads: only the live-updates server has the route."""
    assert api.get("events").status_code == 404
