"""Django app configuration for `recurrence_app`."""

from django.apps import AppConfig


class RecurrenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recurrence_app"
