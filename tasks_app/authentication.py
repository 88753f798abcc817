"""Authentication of the task API: a verified JWT whose claims keep the users table current."""

from typing import Any

from drf_spectacular.drainage import set_override

from tasks_app.services import user_sync_from_claims
from workers.http.authentication import JwtAuthentication
from workers.http.schema import JwtAuthenticationScheme


class UserJwtAuthentication(JwtAuthentication):
    def on_verified(self, claims: dict[str, Any]) -> None:
        user_sync_from_claims(claims=claims)


class UserJwtAuthenticationScheme(JwtAuthenticationScheme):  # type: ignore[no-untyped-call]
    """The task API's operations require the same `bearerAuth` scheme as the operators' API."""

    target_class = "tasks_app.authentication.UserJwtAuthentication"


# drf-spectacular keys a security scheme by its authentication class; both classes describe one scheme.
set_override(UserJwtAuthentication, "suppress_collision_warning", True)
