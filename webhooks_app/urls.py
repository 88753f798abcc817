"""Routes of the webhooks API (`/api/{user_id}/webhooks...`, included under /api/)."""

from django.urls import path

from webhooks_app import apis

urlpatterns = [
    path("<str:user_id>/webhooks", apis.EndpointListApi.as_view(), name="webhooks"),
    path("<str:user_id>/webhooks/<int:endpoint_id>", apis.EndpointDetailApi.as_view(), name="webhook"),
    path(
        "<str:user_id>/webhooks/<int:endpoint_id>/rotate-secret",
        apis.EndpointRotateSecretApi.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "<str:user_id>/webhooks/<int:endpoint_id>/enable",
        apis.EndpointEnableApi.as_view(),
        name="webhook-enable",
    ),
    path(
        "<str:user_id>/webhooks/<int:endpoint_id>/deliveries",
        apis.EndpointDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
]
