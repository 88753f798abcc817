"""manage.py mint_token: a token for curl, signed with the configured secret, accepted by the API."""

import io
import time

import pytest
from django.core.management import CommandError, call_command

from workers.http.authentication import verify_token


def mint(*args: str) -> str:
    out = io.StringIO()
    call_command("mint_token", *args, stdout=out)
    return out.getvalue().strip()


def test_mint_token_signs_a_token_the_api_accepts(settings, api):
    token = mint(
        api.user_id, "--email", "ada@example.com", "--name", "Ada", "--role", "admin", "--ttl", "120"
    )

    claims = verify_token(token)
    assert (claims["sub"], claims["email"], claims["name"], claims["role"]) == (
        api.user_id,
        "ada@example.com",
        "Ada",
        "admin",
    )
    assert 110 <= claims["exp"] - time.time() <= 120
    assert settings.BETTER_AUTH_SECRET not in token
    api.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("tasks").status_code == 200
    assert api.client.get("/api/admin/dlq").status_code == 200  # the operator role


def test_mint_token_carries_the_configured_issuer_and_audience(settings, db):
    settings.JWT_ISSUER, settings.JWT_AUDIENCE = "https://auth.example", "todo-api"

    claims = verify_token(mint("someone"))

    assert (claims["iss"], claims["aud"]) == ("https://auth.example", "todo-api")


def test_mint_token_refuses_without_better_auth_secret(settings):
    settings.BETTER_AUTH_SECRET = ""

    with pytest.raises(CommandError, match="BETTER_AUTH_SECRET is not configured"):
        mint("someone")
