"""The operators' API: list dead letters and publish them again (`/api/admin/dlq`, `/api/admin/dlq/retry`).

Operators are callers whose JWT carries an operator role, or staff users signed in through Django admin
with the permission the admin requires for the same action (view dead letters to list, change to retry).
"""

import logging
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from workers.dead_letters.models import DeadLetter
from workers.dead_letters.selectors import DeadLetterFilters, dead_letter_list
from workers.dead_letters.services import NotRetryableError, dead_letters_retry_by_event_id
from workers.http.authentication import ApiUser, JwtAuthentication
from workers.http.fields import AwareDateTimeField, TextField
from workers.http.schema import error_responses, text_schema
from workers.http.serializers import MAX_PAGE_SIZE, PAGE_SIZE, Pagination, page_serializer

logger = logging.getLogger(__name__)

MAX_RETRY_BATCH = 100
MAX_SEARCH_LENGTH = 200
SEARCH_HELP = "Part of the event id, user id or error message; a number also matches the task id."


# --- Who is an operator ----------------------------------------------------------------------------
def has_operator_role(claims: dict[str, Any]) -> bool:
    """The token's role claim is, or lists, one of the configured operator roles."""
    value = claims.get(settings.JWT_OPERATOR_ROLE_CLAIM)
    roles = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return any(isinstance(role, str) and role and role in settings.JWT_OPERATOR_ROLES for role in roles)


class IsOperator(BasePermission):
    """A JWT with an operator role, or an active staff user's session holding the view's model permission.

    A view names in `operator_permissions` (as `app_label.codename`) the permissions Django admin accepts
    for the same action, any one of which suffices, so a session can do here no more than in the admin.
    """

    message = "Only operators may use this API."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if isinstance(user, ApiUser):
            # The operators' token path: the identity provider grants the role, and Django's permission
            # tables know nothing of token users (they have no auth.User row), so the role is the grant.
            return has_operator_role(user.claims)
        permissions: tuple[str, ...] = getattr(view, "operator_permissions", ())
        return bool(
            getattr(user, "is_authenticated", False)
            and getattr(user, "is_active", False)
            and getattr(user, "is_staff", False)
            and any(user.has_perm(permission) for permission in permissions)
        )


def operator_name(user: Any) -> str:
    """Who acted, for the log: the token's subject or the staff user's name."""
    if isinstance(user, ApiUser):
        return f"token:{user.id}"
    return f"staff:{user.get_username()}"


# --- Serializers -----------------------------------------------------------------------------------
class DeadLetterOutputSerializer(serializers.ModelSerializer[DeadLetter]):
    first_failed_at = AwareDateTimeField(read_only=True)
    last_failed_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = DeadLetter
        fields = (
            "id",
            "event_id",
            "event_type",
            "task_id",
            "user_id",
            "original_topic",
            "partition",
            "offset",
            "key",
            "consumer",
            "error_class",
            "error_message",
            "attempts",
            "first_failed_at",
            "last_failed_at",
            "status",
            "status_reason",
            "envelope",
            "headers",
        )
        read_only_fields = fields


DeadLetterPageSerializer = page_serializer("DeadLetterPageSerializer", DeadLetterOutputSerializer)


class DeadLetterFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=DeadLetter.Status.choices, required=False)
    event_type = serializers.CharField(required=False, max_length=100)
    original_topic = serializers.CharField(required=False, max_length=255)
    failed_after = AwareDateTimeField(required=False, help_text="Last failure at or after this instant.")
    failed_before = AwareDateTimeField(required=False, help_text="Last failure before this instant.")
    search = serializers.CharField(
        required=False,
        default="",
        max_length=MAX_SEARCH_LENGTH,
        help_text=SEARCH_HELP,
    )


class DeadLetterRetryInputSerializer(serializers.Serializer[Any]):
    """`{"event_id": "..."}` or `{"event_ids": [...]}`; validated data is always `event_ids`."""

    event_id = TextField(required=False, max_length=255)
    event_ids = serializers.ListField(
        child=TextField(max_length=255),
        required=False,
        allow_empty=False,
        max_length=MAX_RETRY_BATCH,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("event_id" in attrs) == ("event_ids" in attrs):
            raise serializers.ValidationError("Give either event_id or event_ids.")
        event_ids = attrs["event_ids"] if "event_ids" in attrs else [attrs["event_id"]]
        return {"event_ids": list(dict.fromkeys(event_ids))}


_EVENT_ID = text_schema(max_length=255)
# DeadLetterRetryInputSerializer as the schema: exactly one of the two fields.
RETRY_INPUT_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"event_id": _EVENT_ID},
            "required": ["event_id"],
            "not": {"required": ["event_ids"]},
        },
        {
            "type": "object",
            "properties": {
                "event_ids": {"type": "array", "items": _EVENT_ID, "minItems": 1, "maxItems": MAX_RETRY_BATCH}
            },
            "required": ["event_ids"],
            "not": {"required": ["event_id"]},
        },
    ],
}


# --- Views -----------------------------------------------------------------------------------------
class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def _sentence(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}."


class OperatorApi(APIView):
    # JwtAuthentication first: its WWW-Authenticate header turns "no credentials" into a 401.
    authentication_classes = [JwtAuthentication, SessionAuthentication]
    permission_classes = [IsOperator]


class DeadLetterListApi(OperatorApi):
    # As the admin's changelist: the view permission, or the change permission (which implies viewing).
    operator_permissions = ("workers.view_deadletter", "workers.change_deadletter")

    @extend_schema(
        operation_id="dlq_list",
        tags=["operators"],
        parameters=[
            DeadLetterFilterSerializer,
            # The filters' text as DRF takes it: trimmed, never only spaces, no NUL.
            OpenApiParameter("event_type", text_schema(max_length=100)),
            OpenApiParameter("original_topic", text_schema(max_length=255)),
            OpenApiParameter(
                "search",
                text_schema(max_length=MAX_SEARCH_LENGTH),
                description=SEARCH_HELP,
            ),
            # PageNumberPagination reads these leniently, so they are documented as the text they are.
            OpenApiParameter(
                "page", OpenApiTypes.STR, description="A page number from 1, or `last`; any other is a 404."
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.STR,
                description=f"Dead letters per page, at most {MAX_PAGE_SIZE}; anything but a positive number "
                f"means {PAGE_SIZE}.",
            ),
        ],
        responses={
            200: DeadLetterPageSerializer,
            **error_responses(400, 401, 403, 404, described={404: "A page past the last, or below 1."}),
        },
    )
    def get(self, request: Request) -> Response:
        serializer = DeadLetterFilterSerializer(
            data={key: request.query_params.get(key) for key in request.query_params}
        )
        serializer.is_valid(raise_exception=True)
        records = dead_letter_list(filters=DeadLetterFilters(**serializer.validated_data))
        paginator = Pagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(DeadLetterOutputSerializer(page, many=True).data)


class DeadLetterRetryApi(OperatorApi):
    operator_permissions = ("workers.change_deadletter",)  # the admin's Retry action asks for it

    @extend_schema(
        operation_id="dlq_retry",
        tags=["operators"],
        description=(
            "Retry the events: each is published again to its original topic, unless the consumer that "
            "failed retries its work itself (the reminders' delivery revives the reminder). Every dead "
            "letter of an event that waits for a retry (status `new`) is retried; all or nothing."
        ),
        request={"application/json": RETRY_INPUT_SCHEMA},
        responses={
            200: DeadLetterOutputSerializer(many=True),
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                described={
                    404: "An event id has no dead letter.",
                    409: (
                        "An event was already retried, discarded or resolved, or is not readable, or its "
                        "consumer refuses the retry (e.g. the reminder is no longer failed)."
                    ),
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = DeadLetterRetryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event_ids: list[str] = serializer.validated_data["event_ids"]
        try:
            records = dead_letters_retry_by_event_id(event_ids=event_ids)
        except DeadLetter.DoesNotExist as error:
            raise NotFound(_sentence(str(error))) from error
        except NotRetryableError as error:
            raise Conflict(_sentence(str(error)), code="not_retryable") from error
        logger.info(
            "dead letters retried by %s: %s",
            operator_name(request.user),
            ", ".join(f"{record.event_id} ({record.consumer})" for record in records),
        )
        return Response(DeadLetterOutputSerializer(records, many=True).data)
