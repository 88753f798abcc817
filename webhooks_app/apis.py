"""The webhooks API, under /api/{user_id}/webhooks (the user's JWT): endpoints, their secrets, their recent
deliveries. Another user's endpoint is a 404, as one that never existed."""

from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.apis import Conflict, UserApi
from tasks_app.selectors import user_get
from tasks_app.serializers import SingleLineCharField
from webhooks_app import selectors, services
from webhooks_app.addresses import TargetRefusedError
from webhooks_app.models import URL_MAX_LENGTH, WebhookDelivery, WebhookEndpoint
from workers.http.fields import TextField
from workers.http.schema import error_responses

URL_HELP = (
    "Where deliveries are POSTed: https (http only where WEBHOOKS_ALLOW_PRIVATE_TARGETS is on), no "
    "credentials, no fragment, a host that resolves to public addresses only (docs/webhooks.md)."
)
TAG = ["webhooks"]


def url_field(**kwargs: Any) -> TextField:
    return TextField(
        max_length=URL_MAX_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(r"\Ahttps?://[^\s]+\Z", message="Must be an http(s) URL without spaces.")],
        help_text=URL_HELP,
        **kwargs,
    )


class EndpointInputSerializer(serializers.Serializer[dict[str, Any]]):
    url = url_field()
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=services.EVENT_TYPES),
        min_length=1,
        max_length=len(services.EVENT_TYPES),
        help_text="The events delivered to it.",
    )
    description = SingleLineCharField(max_length=200, allow_blank=True, required=False, default="")


class EndpointPatchSerializer(serializers.Serializer[dict[str, Any]]):
    """The fields given change; the others keep their values."""

    url = url_field(required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=services.EVENT_TYPES),
        min_length=1,
        max_length=len(services.EVENT_TYPES),
        required=False,
    )
    description = SingleLineCharField(max_length=200, allow_blank=True, required=False)


class EndpointOutputSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=services.EVENT_TYPES), read_only=True
    )
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (`whsec_...`): the HMAC-SHA256 key of every delivery's signature.",
    )
    disabled_reason = serializers.CharField(
        read_only=True,
        help_text="Why deliveries stopped (empty while enabled): the last failure of the deliveries in a row "
        "that disabled it.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "event_types",
            "description",
            "secret",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeliveryOutputSerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "task_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "response_ms",
            "latency_ms",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


def _parsed(serializer: serializers.Serializer[dict[str, Any]]) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _refused(error: TargetRefusedError) -> ValidationError:
    return ValidationError({"url": [str(error)]})


class WebhookApi(UserApi):
    def get_endpoint(self, user_id: str, endpoint_id: int) -> WebhookEndpoint:
        try:
            return selectors.endpoint_get(user_id=user_id, endpoint_id=endpoint_id)
        except WebhookEndpoint.DoesNotExist as error:
            raise NotFound("Webhook endpoint not found.") from error


class EndpointListApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_list",
        tags=TAG,
        summary="The user's webhook endpoints",
        responses={200: EndpointOutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request, user_id: str) -> Response:
        return Response(EndpointOutputSerializer(selectors.endpoints_list(user_id=user_id), many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        tags=TAG,
        summary="Register a webhook endpoint",
        description=(
            "Task events of the chosen types are POSTed to the URL as JSON, signed with the endpoint's "
            "secret (returned here and by GET): `Webhook-Signature: v1=<hex HMAC-SHA256 of "
            '"<Webhook-Timestamp>.<body>">` (docs/webhooks.md). The URL must be https and resolve to public '
            "addresses only."
        ),
        request=EndpointInputSerializer,
        responses={
            201: EndpointOutputSerializer,
            **error_responses(
                400,
                401,
                403,
                409,
                described={409: f"The user has {services.MAX_ENDPOINTS_PER_USER} endpoints."},
            ),
        },
    )
    def post(self, request: Request, user_id: str) -> Response:
        data = _parsed(EndpointInputSerializer(data=request.data))
        try:
            endpoint = services.endpoint_create(user=user_get(user_id=user_id), at=timezone.now(), **data)
        except TargetRefusedError as error:
            raise _refused(error) from error
        except services.EndpointLimitError as error:
            raise Conflict(str(error), code="too_many_endpoints") from error
        return Response(EndpointOutputSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=TAG,
        summary="One webhook endpoint",
        responses={200: EndpointOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: str, endpoint_id: int) -> Response:
        return Response(EndpointOutputSerializer(self.get_endpoint(user_id, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_partial_update",
        tags=TAG,
        summary="Change a webhook endpoint's URL, event types or description",
        request=EndpointPatchSerializer,
        responses={200: EndpointOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, user_id: str, endpoint_id: int) -> Response:
        endpoint = self.get_endpoint(user_id, endpoint_id)
        changes = _parsed(EndpointPatchSerializer(data=request.data))
        try:
            endpoint = services.endpoint_update(endpoint=endpoint, changes=changes, at=timezone.now())
        except TargetRefusedError as error:
            raise _refused(error) from error
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        tags=TAG,
        summary="Delete a webhook endpoint (and its delivery log)",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, user_id: str, endpoint_id: int) -> Response:
        services.endpoint_delete(endpoint=self.get_endpoint(user_id, endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        tags=TAG,
        summary="A new signing secret (the old one signs nothing from now on)",
        request=None,
        responses={200: EndpointOutputSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, user_id: str, endpoint_id: int) -> Response:
        endpoint = services.endpoint_rotate_secret(
            endpoint=self.get_endpoint(user_id, endpoint_id), at=timezone.now()
        )
        return Response(EndpointOutputSerializer(endpoint).data)


class EndpointEnableApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_enable",
        tags=TAG,
        summary="Enable a disabled endpoint again (deliveries resume with the next event)",
        request=None,
        responses={200: EndpointOutputSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, user_id: str, endpoint_id: int) -> Response:
        endpoint = services.endpoint_enable(
            endpoint=self.get_endpoint(user_id, endpoint_id), at=timezone.now()
        )
        return Response(EndpointOutputSerializer(endpoint).data)


class EndpointDeliveriesApi(WebhookApi):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        tags=TAG,
        summary=f"The endpoint's latest {selectors.RECENT_DELIVERIES} deliveries, newest first",
        responses={200: DeliveryOutputSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: str, endpoint_id: int) -> Response:
        endpoint = self.get_endpoint(user_id, endpoint_id)
        return Response(
            DeliveryOutputSerializer(selectors.deliveries_recent(endpoint=endpoint), many=True).data
        )
