"""Django app configuration for `live_updates_app`."""

from django.apps import AppConfig


class LiveUpdatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live_updates_app"
