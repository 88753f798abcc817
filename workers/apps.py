"""Django app configuration for `workers`."""

import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class WorkersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workers"

    def ready(self) -> None:
        from workers.http import schema  # noqa: F401 - registers the bearer JWT scheme with drf-spectacular

        # The settings stop a production start without any JWT key; with DEBUG on the process starts (for
        # `manage.py` and the admin), so it says at start-up why every API call will be a 401.
        if not settings.JWKS_URL and not settings.BETTER_AUTH_SECRET:
            logger.warning(
                "Neither JWKS_URL nor BETTER_AUTH_SECRET is set: the API refuses every token. "
                "Run `make setup` to generate .env (HS256 for local tokens) or set JWKS_URL."
            )
