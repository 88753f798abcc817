"""Settings for the test suite: the production settings with test-only isolation on top."""

import os
import secrets

# Secrets of this run only, generated here and never written down. They are exported before the settings
# below read them, so the suite runs the production code path (explicitly configured secrets) and every
# process it starts (relay, bridges, Celery workers: same settings module) inherits the same values.
os.environ["BETTER_AUTH_SECRET"] = os.environ.setdefault("TEST_BETTER_AUTH_SECRET", secrets.token_urlsafe(48))
os.environ["DJANGO_SECRET_KEY"] = os.environ.setdefault("TEST_DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

from todo_project.settings import *  # noqa: F403
from todo_project.settings import env

# A Redis database of its own, emptied at the start of each run: a `make run` worker never steals a test
# task, and a test never sees a leftover one.
CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
LIVE_UPDATES_REDIS_URL = env.str("TEST_LIVE_UPDATES_REDIS_URL", default="redis://127.0.0.1:6379/8")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast admin logins in tests
# Two suites running at once (two checkouts, or a helper's run) must not share a test database.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_todo")}  # noqa: F405
# Tests render admin pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# No collectstatic before tests: Django's test client needs no static files served.
MIDDLEWARE = [name for name in MIDDLEWARE if name != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
