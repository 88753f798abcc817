"""Settings come from the environment; production mode refuses to start without its secrets (each case
loads the settings in a process of its own)."""

import os
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.processes

# An empty variable masks what the developer's generated .env would provide.
MASKED = {"DJANGO_SECRET_KEY": "", "BETTER_AUTH_SECRET": "", "JWKS_URL": ""}


def _start_django(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**os.environ, **MASKED, "DJANGO_SETTINGS_MODULE": "todo_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_is_a_clear_startup_error():
    result = _start_django(DJANGO_DEBUG="false", BETTER_AUTH_SECRET="x" * 40)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_without_jwt_key_is_a_clear_startup_error():
    result = _start_django(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "JWKS_URL or BETTER_AUTH_SECRET must be set" in result.stderr


def test_production_with_jwks_only_starts():
    result = _start_django(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="s" * 50, JWKS_URL="https://auth.example/jwks"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_production_with_both_keys_starts():
    result = _start_django(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="s" * 50,
        BETTER_AUTH_SECRET="x" * 40,
        JWKS_URL="https://auth.example/jwks",
    )
    assert result.returncode == 0, result.stderr
