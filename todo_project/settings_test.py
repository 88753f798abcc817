"""Settings for the test suite: the production settings with test-only isolation on top."""

from todo_project.settings import *  # noqa: F403
from todo_project.settings import env

# A Redis database of its own, emptied at the start of each run: a `make run` worker never steals a test
# task, and a test never sees a leftover one.
CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast admin logins in tests
# Two suites running at once (two checkouts, or a helper's run) must not share a test database.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_todo")}  # noqa: F405
# Tests render admin pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# No collectstatic before tests: Django's test client needs no static files served.
MIDDLEWARE = [name for name in MIDDLEWARE if name != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
