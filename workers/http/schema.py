"""What every API documents in its OpenAPI schema: the bearer JWT scheme, the one error shape, the error
responses.

Loaded at start-up by `WorkersConfig.ready()`, so the scheme is registered before any schema is generated.
"""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class JwtAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents `Authorization: Bearer <JWT>` of every API in /api/schema/.

    Not for subclasses: drf-spectacular keys a scheme by its class, so a subclass (the task API's) would
    register a second, conflicting `bearerAuth`.
    """

    target_class = "workers.http.authentication.JwtAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name, not a secret
            bearer_format="JWT",
        )


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="Stable and machine-readable: `invalid`, `not_authenticated`, `permission_denied`, "
        "`not_found`, `due_date_taken`, ..."
    )
    message = serializers.CharField(help_text="For people.")
    details = serializers.DictField(
        help_text="For `invalid`: the messages of each field, `{field: [messages]}` (a list's items by "
        "index); `{}` otherwise."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error response: `{"error": {"code", "message", "details"}}`."""

    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


# What str.strip() removes (DRF trims text fields), as a regular expression class.
_STRIPPED = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def text_schema(*, max_length: int, blank: bool = False) -> dict[str, Any]:
    """The schema of what a DRF CharField accepts: no NUL, and unless blank is allowed, not only spaces."""
    pattern = "^[^\\u0000]*$" if blank else f"^[^\\u0000]*[^\\u0000{_STRIPPED}][^\\u0000]*$"
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


ERROR_DESCRIPTIONS = {
    400: "Invalid input: `details` names each field and what is wrong with it.",
    401: "No credentials, or the token is malformed, expired or not signed by a trusted key.",
    403: "The credentials do not allow this.",
    404: "No such resource.",
    409: "The request conflicts with the current state of the resource.",
}


def error_responses(*statuses: int, described: Mapping[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """`responses` entries for these error statuses; `described` replaces the default descriptions."""
    return {
        status: OpenApiResponse(
            ErrorSerializer, description={**ERROR_DESCRIPTIONS, **(described or {})}[status]
        )
        for status in statuses
    }


def require_alternative_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: a request body written as a `oneOf` of alternatives is required.

    drf-spectacular marks a body required only when a serializer has required fields; a hand-written
    schema (the dead-letter retry's "event_id or event_ids") would otherwise read as optional.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and all("oneOf" in media.get("schema", {}) for media in body["content"].values()):
                body["required"] = True
    return result
