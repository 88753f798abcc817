"""Writes of calendar feeds: a new secret URL (replacing the old one), or none."""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction

from calendar_feed_app.models import CalendarFeed
from tasks_app.models import UserProfile

TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_issue(*, user: UserProfile, at: datetime) -> tuple[CalendarFeed, str]:
    """A new token for the user's feed; the previous URL stops working. Returns the feed and the token,
    which exists nowhere else from then on."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_digest": token_digest(token), "created_at": at}
    )
    return feed, token


def feed_revoke(*, user: UserProfile) -> bool:
    """Turns the user's feed off; False when there was none."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return deleted > 0
