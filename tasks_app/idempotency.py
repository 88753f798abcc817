"""`Idempotency-Key` for creates: the same key and request from the same user replays the first response."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from prometheus_client import Counter

from tasks_app.models import IdempotencyKey
from workers.postgresql import statements
from workers.postgresql.statements import Prepared

MAX_KEY_LENGTH = 255

REPLAYS = Counter(
    "idempotency_key_replays",
    "Creates answered with the stored response of an earlier request with the same Idempotency-Key",
)


class IdempotencyKeyReusedError(Exception):
    """The key was used before for a different request."""


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(*, user_id: str, key: str) -> IdempotencyKey | None:
    """The response stored under the user's key, if any (every keyed create asks: a statement compiled
    once)."""
    stored: IdempotencyKey | None = Prepared(
        key="tasks_app.idempotency_key",
        build=lambda user_id, key: IdempotencyKey.objects.filter(user_id=user_id, key=key),
        values={"user_id": user_id, "key": key},
        fields={
            "user_id": IdempotencyKey._meta.get_field("user").target_field,
            "key": IdempotencyKey._meta.get_field("key"),
        },
    ).first()
    return stored


def _replay(stored: IdempotencyKey, fingerprint: str) -> Outcome:
    if stored.request_fingerprint != fingerprint:
        raise IdempotencyKeyReusedError
    REPLAYS.inc()
    return Outcome(status=stored.response_status, body=stored.response_body, replayed=True)


def run_once(
    *, user_id: str, key: str, fingerprint: str, operation: Callable[[], tuple[int, Any]]
) -> Outcome:
    """Run `operation` and remember its response under the key in the same transaction.

    Two concurrent requests with one key: the second insert of the key fails, its whole transaction
    (task and events included) rolls back, and it replays what the first one stored.
    """
    stored = _stored(user_id=user_id, key=key)
    if stored is not None:
        return _replay(stored, fingerprint)
    try:
        with transaction.atomic():
            status, body = operation()
            record = IdempotencyKey(
                user_id=user_id,
                key=key,
                request_fingerprint=fingerprint,
                response_status=status,
                response_body=body,
            )
            statements.insert(record)  # IdempotencyKey.objects.create's INSERT, compiled once
    except IntegrityError:
        stored = _stored(user_id=user_id, key=key)
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    return Outcome(status=status, body=body, replayed=False)


def idempotency_keys_prune(*, created_before: datetime) -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=created_before).delete()
    return deleted
