"""Routes of export and import (`/api/{user_id}/export`, `/api/{user_id}/import`; docs/export.md)."""

from django.urls import path

from portability_app import apis

urlpatterns = [
    path("<str:user_id>/export", apis.ExportApi.as_view(), name="export"),
    path("<str:user_id>/import", apis.ImportApi.as_view(), name="import"),
]
