"""The signature of a delivery (docs/webhooks.md, "Verifying a delivery").

`Webhook-Signature: v1=<hex>`, the hex HMAC-SHA256 of `"<Webhook-Timestamp>.<raw body>"` keyed with the
endpoint's secret (the whole `whsec_...` string, as UTF-8), like Stripe's `v1` scheme. The timestamp is
signed so that a captured delivery cannot be replayed later: receivers refuse one older than a tolerance
(5 minutes is the convention).
"""

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets, not one
SECRET_BYTES = 32
SCHEME = "v1"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"{SCHEME}={signature(secret=secret, timestamp=timestamp, body=body)}"


def verify(
    *, secret: str, header: str, timestamp: str, body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does (and the tests' receiver): a fresh timestamp and one `v1=` signature matching,
    compared in constant time. The header may carry several (comma-separated)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=sent_at, body=body)
    candidates = [part.strip().removeprefix(f"{SCHEME}=") for part in header.split(",")]
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate, part in zip(candidates, header.split(","), strict=True)
        if part.strip().startswith(f"{SCHEME}=")
    )
