"""Django app configuration for `portability_app`."""

from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portability_app"
