"""Authentication of the task API: a verified JWT whose claims keep the users table current."""

from typing import Any

from tasks_app.services import user_sync_from_claims
from workers.authentication import JwtAuthentication


class UserJwtAuthentication(JwtAuthentication):
    def on_verified(self, claims: dict[str, Any]) -> None:
        user_sync_from_claims(claims=claims)
