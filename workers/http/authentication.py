"""Bearer JWT authentication: HS256 with BETTER_AUTH_SECRET, or EdDSA/ES256/RS256 from a JWKS URL.

Shared by every API (tasks, operators), so it sits with the plumbing. Verification is strict: `exp` and
`sub` are required, the algorithm comes from what is configured (never from the token alone), `alg: none`
and unknown algorithms are refused. Tokens are never logged.
"""

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

logger = logging.getLogger(__name__)

SYMMETRIC_ALGORITHMS = ("HS256",)
ASYMMETRIC_ALGORITHMS = ("EdDSA", "ES256", "RS256")
JWKS_CACHE_SECONDS = 300
MAX_SUBJECT_LENGTH = 255  # users.id


@dataclass(frozen=True)
class ApiUser:
    """The caller of an API request, as its verified token says."""

    id: str
    claims: dict[str, Any] = field(repr=False)
    is_authenticated: bool = True


@cache
def _jwks_client(url: str, refresh_cooldown: float) -> jwt.PyJWKClient:
    # PyJWKClient caches the key set and fetches it again when a token names an unknown `kid`, at most
    # once per cooldown, so a flood of made-up kids cannot hammer the identity provider.
    return jwt.PyJWKClient(
        url, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS, timeout=5, cooldown_duration=refresh_cooldown
    )


def _verification_key(header: dict[str, Any], algorithm: str) -> Any:
    if algorithm in SYMMETRIC_ALGORITHMS:
        if not settings.BETTER_AUTH_SECRET:
            raise AuthenticationFailed("HS256 tokens are not accepted by this server.")
        return settings.BETTER_AUTH_SECRET
    if algorithm in ASYMMETRIC_ALGORITHMS:
        if not settings.JWKS_URL:
            raise AuthenticationFailed(f"{algorithm} tokens are not accepted by this server.")
        try:
            client = _jwks_client(settings.JWKS_URL, settings.JWKS_REFRESH_COOLDOWN_SECONDS)
            # The key named by the header read once above (get_signing_key_from_jwt would parse it again).
            return client.get_signing_key(header.get("kid")).key  # type: ignore[arg-type]
        except jwt.PyJWKClientConnectionError as error:
            logger.warning("JWKS fetch failed: %s", type(error).__name__)
            raise AuthenticationFailed("The signing keys could not be fetched.") from error
        except jwt.PyJWKClientError as error:
            raise AuthenticationFailed("The token's signing key is unknown.") from error
    raise AuthenticationFailed("The token's algorithm is not accepted.")


def verify_token(token: str) -> dict[str, Any]:
    """The verified claims of a JWT, or AuthenticationFailed with a reason fit for the caller."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise AuthenticationFailed("The token is malformed.") from error
    algorithm = header.get("alg")
    if not isinstance(algorithm, str):
        raise AuthenticationFailed("The token's algorithm is not accepted.")
    key = _verification_key(header, algorithm)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=settings.JWT_ISSUER or None,
            audience=settings.JWT_AUDIENCE or None,
            leeway=settings.JWT_LEEWAY_SECONDS,
            options={"require": ["exp", "sub"], "verify_aud": bool(settings.JWT_AUDIENCE)},
        )
    except jwt.ExpiredSignatureError as error:
        raise AuthenticationFailed("The token has expired.") from error
    except jwt.InvalidSignatureError as error:
        raise AuthenticationFailed("The token's signature is invalid.") from error
    except jwt.MissingRequiredClaimError as error:
        raise AuthenticationFailed(f"The token has no '{error.claim}' claim.") from error
    except jwt.InvalidTokenError as error:
        raise AuthenticationFailed(f"The token is invalid: {error}") from error
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
        raise AuthenticationFailed("The token's 'sub' claim must be a non-empty string.")
    return claims


class JwtAuthentication(BaseAuthentication):
    """DRF authentication from `Authorization: Bearer <JWT>`; subclasses may act on the verified claims."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiUser, str] | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None  # the permission then answers 401 "no credentials"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not token.strip() or " " in token.strip():
            raise AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        claims = verify_token(token.strip())
        self.on_verified(claims)
        return ApiUser(id=claims["sub"], claims=claims), token

    def on_verified(self, claims: dict[str, Any]) -> None:
        """Called with the claims of every verified token."""

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
