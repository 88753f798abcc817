"""Single-use tickets: a way into a live-update stream for clients that cannot send headers (EventSource).

An authenticated `POST /api/{user_id}/events/tickets` issues one; `GET /api/{user_id}/events?ticket=...`
redeems it within `LIVE_UPDATES_TICKET_SECONDS`, once. Redis holds only the ticket's SHA-256, so what Redis
holds (or an operator reads there) never opens a stream; a ticket in a URL is worthless once used.
"""

import hashlib
import secrets

import redis.asyncio
from django.conf import settings

from live_updates_app import streams


def _key(ticket: str) -> str:
    return "live:ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def ticket_issue(*, user_id: str) -> str:
    ticket = secrets.token_urlsafe(32)
    streams.client().set(_key(ticket), user_id, ex=settings.LIVE_UPDATES_TICKET_SECONDS)
    return ticket


async def ticket_redeem(client: redis.asyncio.Redis, ticket: str) -> str | None:
    """The user the ticket was issued to, or None when it is unknown, expired or already used."""
    if not ticket or len(ticket) > 128:
        return None
    user_id = await client.getdel(_key(ticket))
    return user_id.decode() if isinstance(user_id, bytes) else user_id
