"""Routes of the operators' API (mounted under /api/admin/)."""

from django.urls import URLPattern, path

from workers.dead_letters.apis import DeadLetterListApi, DeadLetterRetryApi

urlpatterns: list[URLPattern] = [
    path("dlq", DeadLetterListApi.as_view(), name="dlq-list"),
    path("dlq/retry", DeadLetterRetryApi.as_view(), name="dlq-retry"),
]
