"""`manage.py mint_token USER_ID`: print a local HS256 JWT for a user, signed with BETTER_AUTH_SECRET."""

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workers.http.authentication import MAX_SUBJECT_LENGTH


class Command(BaseCommand):
    help = (
        "Print a bearer token for USER_ID, signed (HS256) with the configured BETTER_AUTH_SECRET; "
        "for curl and local tools. Only the token is printed, never the secret."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", help="The token's subject (`sub`): the {user_id} of the API paths.")
        parser.add_argument("--email", default="", help="The `email` claim (synced to the user's profile).")
        parser.add_argument("--name", default="", help="The `name` claim (synced to the user's profile).")
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            help="A role in the operator role claim (JWT_OPERATOR_ROLE_CLAIM), e.g. `admin` for the "
            "operators' API; repeat for several.",
        )
        parser.add_argument("--ttl", type=int, default=3600, help="Seconds until it expires (default 3600).")

    def handle(
        self, *args: Any, user_id: str, email: str, name: str, role: list[str], ttl: int, **options: Any
    ) -> None:
        if not settings.BETTER_AUTH_SECRET:
            raise CommandError(
                "BETTER_AUTH_SECRET is not configured, so this server accepts no HS256 token. Run "
                "`make setup` to generate .env, or set BETTER_AUTH_SECRET in the environment."
            )
        if not user_id.strip() or len(user_id) > MAX_SUBJECT_LENGTH:
            raise CommandError(
                f"USER_ID must be a non-empty string of at most {MAX_SUBJECT_LENGTH} characters."
            )
        if ttl <= 0:
            raise CommandError("--ttl must be a positive number of seconds.")
        now = datetime.now(tz=UTC)
        claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + timedelta(seconds=ttl)}
        if email:
            claims["email"] = email
        if name:
            claims["name"] = name
        if role:
            claims[settings.JWT_OPERATOR_ROLE_CLAIM] = role[0] if len(role) == 1 else role
        # What the server checks when configured, so the token verifies against this very configuration.
        if settings.JWT_ISSUER:
            claims["iss"] = settings.JWT_ISSUER
        if settings.JWT_AUDIENCE:
            claims["aud"] = settings.JWT_AUDIENCE
        self.stdout.write(jwt.encode(claims, settings.BETTER_AUTH_SECRET, algorithm="HS256"))
