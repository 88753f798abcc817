"""Secrets from the Dapr sidecar (todo_project/dapr_secrets.py): loaded at start-up, or a clear error.

The real `daprd` cannot be installed here (its Go module needs replace directives, which the Go module proxy
cannot honour), so these tests run against a local HTTP stand-in of the sidecar's documented secrets and
health endpoints (tests/support/dapr_sidecar.py). The last tests start Django's settings in a process of
their own, as a pod's container would."""

import hashlib
import itertools
import json
import os
import secrets
import subprocess
import sys
import time

import pytest

from tests.support.dapr_sidecar import Sidecar, running
from tests.support.paths import ROOT
from todo_project import dapr_secrets
from todo_project.dapr_secrets import SecretsUnavailable

STORE = "todo-secrets"


def _environ(sidecar: Sidecar, **extra: str) -> dict[str, str]:
    return {
        "DAPR_HTTP_PORT": str(sidecar.port),
        "DAPR_SECRET_STORE": STORE,
        "DAPR_SECRETS": "DATABASE_URL,DJANGO_SECRET_KEY",
        "DAPR_SECRETS_TIMEOUT": "5",
        **extra,
    }


def _values() -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgres://todo:{secrets.token_urlsafe(16)}@db.internal:5432/todo",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }


def test_nothing_is_asked_without_a_sidecar_or_a_list():
    assert dapr_secrets.load({}) == {}
    assert dapr_secrets.load({"DAPR_SECRETS": "DATABASE_URL"}) == {}  # not in a pod with a sidecar
    assert dapr_secrets.load({"DAPR_HTTP_PORT": "1"}) == {}  # a sidecar, but no secret asked for


def test_a_store_of_several_keys_gives_each_setting_its_key():
    values = _values()
    bundle = {**values, "UNRELATED": "not asked for"}
    with running(Sidecar(stores={STORE: {"todo": bundle}})) as sidecar:
        loaded = dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo"))
    assert loaded == values
    secret_requests = [path for path, _ in sidecar.requests if "/secrets/" in path]
    assert secret_requests == [f"/v1.0/secrets/{STORE}/todo"]  # one request for the whole bundle


def test_a_name_value_store_gives_each_setting_its_own_secret():
    values = _values()
    store = {
        dapr_secrets.secret_name(name): {dapr_secrets.secret_name(name): v} for name, v in values.items()
    }
    with running(Sidecar(stores={STORE: store})) as sidecar:
        loaded = dapr_secrets.load(_environ(sidecar))
    assert loaded == values
    assert {path for path, _ in sidecar.requests if "/secrets/" in path} == {
        f"/v1.0/secrets/{STORE}/database-url",
        f"/v1.0/secrets/{STORE}/django-secret-key",
    }


def test_the_api_token_is_sent_when_the_sidecar_requires_one():
    token = secrets.token_urlsafe(24)
    with running(Sidecar(stores={STORE: {"todo": _values()}})) as sidecar:
        dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo", DAPR_API_TOKEN=token))
    assert sidecar.requests
    assert all(headers.get("dapr-api-token") == token for _, headers in sidecar.requests)


def test_a_missing_secret_is_a_start_up_error_that_names_it():
    values = _values()
    store = {"database-url": {"database-url": values["DATABASE_URL"]}}  # django-secret-key is missing
    with (
        running(Sidecar(stores={STORE: store})) as sidecar,
        pytest.raises(SecretsUnavailable) as raised,
    ):
        dapr_secrets.load(_environ(sidecar))
    message = str(raised.value)
    assert f"secret 'django-secret-key' of the Dapr secret store '{STORE}' does not exist" in message
    assert values["DATABASE_URL"] not in message


def test_a_missing_key_of_the_bundle_is_a_start_up_error_that_names_it():
    values = _values()
    del values["DJANGO_SECRET_KEY"]
    with (
        running(Sidecar(stores={STORE: {"todo": values}})) as sidecar,
        pytest.raises(SecretsUnavailable) as raised,
    ):
        dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo"))
    assert "has no key DJANGO_SECRET_KEY" in str(raised.value)
    assert values["DATABASE_URL"] not in str(raised.value)


def test_a_secret_outside_the_scopes_and_an_unknown_store_are_refused_at_once():
    with running(Sidecar(stores={STORE: {"todo": _values()}}, denied={"todo"})) as sidecar:
        started = time.monotonic()
        with pytest.raises(SecretsUnavailable, match="access denied"):
            dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo"))
        with pytest.raises(SecretsUnavailable, match="missing or misconfigured"):
            dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo", DAPR_SECRET_STORE="no-such-store"))
        assert time.monotonic() - started < 2  # neither waits out the 5 s: asking again would not help


def test_a_sidecar_slow_to_become_ready_is_waited_for():
    values = _values()
    with running(Sidecar(stores={STORE: {"todo": values}}, ready_after=1.5)) as sidecar:
        started = time.monotonic()
        loaded = dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo"))
        waited = time.monotonic() - started
    assert loaded == values
    assert waited >= 1.5
    probes = [path for path, _ in sidecar.requests if path == "/v1.0/healthz/outbound"]
    assert len(probes) >= 2  # asked again until it was ready
    first_secret = next(i for i, (path, _) in enumerate(sidecar.requests) if "/secrets/" in path)
    assert first_secret > 0
    assert all(path.endswith("healthz/outbound") for path, _ in sidecar.requests[:first_secret])


def test_a_store_that_fails_while_it_starts_is_asked_again():
    values = _values()
    with running(Sidecar(stores={STORE: {"todo": values}}, failing_for=1.0)) as sidecar:
        assert dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo")) == values
    assert sum("/secrets/" in path for path, _ in sidecar.requests) >= 2


def test_a_sidecar_that_never_becomes_ready_fails_after_the_timeout():
    with running(Sidecar(stores={STORE: {"todo": _values()}}, ready_after=float("inf"))) as sidecar:
        started = time.monotonic()
        with pytest.raises(SecretsUnavailable) as raised:
            dapr_secrets.load(_environ(sidecar, DAPR_SECRET_NAME="todo", DAPR_SECRETS_TIMEOUT="2"))
        waited = time.monotonic() - started
    assert 2 <= waited < 4
    assert "was not ready within 2 s (GET /v1.0/healthz/outbound: HTTP 500)" in str(raised.value)
    assert not any("/secrets/" in path for path, _ in sidecar.requests)


def test_the_default_wait_is_a_minute():
    """The test above shortens the wait to 2 s; this one keeps the default and lets a clock that runs 15 s
    per reading stand in for the minute (the sidecar is polled every half second of real time)."""
    readings = itertools.count(step=15.0)
    with running(Sidecar(stores={STORE: {"todo": _values()}}, ready_after=float("inf"))) as sidecar:
        environ = _environ(sidecar, DAPR_SECRET_NAME="todo")
        del environ["DAPR_SECRETS_TIMEOUT"]
        with pytest.raises(SecretsUnavailable, match="was not ready within 60 s"):
            dapr_secrets.load(environ, clock=lambda: next(readings))
    probes = [path for path, _ in sidecar.requests if path == "/v1.0/healthz/outbound"]
    assert len(probes) == 4  # asked again until the clock read 60 s, then given up


def test_a_sidecar_port_nobody_listens_on_is_reported():
    with running(Sidecar()) as sidecar:
        port = sidecar.port
    environ = {
        "DAPR_HTTP_PORT": str(port),
        "DAPR_SECRET_STORE": STORE,
        "DAPR_SECRETS": "DATABASE_URL",
    }
    with pytest.raises(SecretsUnavailable, match="refused"):
        dapr_secrets.load({**environ, "DAPR_SECRETS_TIMEOUT": "1"})


def test_a_list_without_a_store_is_a_configuration_error():
    with pytest.raises(SecretsUnavailable, match="DAPR_SECRET_STORE"):
        dapr_secrets.load({"DAPR_HTTP_PORT": "3500", "DAPR_SECRETS": "DATABASE_URL"})


# --- the settings, in a process of their own, as in a pod ---------------------------------------------
# Prints digests, not the secrets: the expected values are never in the child's environment either.
PRINT_SETTINGS = """
import hashlib, json, os, django
django.setup()
from django.conf import settings
digest = lambda value: hashlib.sha256(value.encode()).hexdigest()
db = settings.DATABASES["default"]
sasl = settings.KAFKA_CLIENT_CONFIG["sasl.password"]
loaded = {"key": settings.SECRET_KEY, "password": db["PASSWORD"], "sasl": sasl}
print(json.dumps({
    **{name: digest(value) for name, value in loaded.items()},
    "host": db["HOST"],
    "in_environment": [name for name, value in loaded.items() if value in os.environ.values()],
}))
"""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _start_settings(sidecar: Sidecar, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SECRET_KEY", "DATABASE_URL", "BETTER_AUTH_SECRET", "JWKS_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "todo_project.settings",
            "DJANGO_DEBUG": "false",
            "JWKS_URL": "https://auth.example/jwks",
            # An empty value masks what the developer's generated .env would provide.
            "DJANGO_SECRET_KEY": "",
            "DAPR_HTTP_PORT": str(sidecar.port),
            "DAPR_SECRET_STORE": STORE,
            "DAPR_SECRET_NAME": "todo",
            "DAPR_SECRETS": "DATABASE_URL,DJANGO_SECRET_KEY,KAFKA_SASL_USERNAME,KAFKA_SASL_PASSWORD",
            "DAPR_SECRETS_TIMEOUT": "5",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.processes
def test_the_settings_take_their_secrets_from_the_sidecar_and_keep_them_out_of_the_environment():
    password = secrets.token_urlsafe(16)
    bundle = {
        "DATABASE_URL": f"postgres://todo:{password}@db.internal:5432/todo",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "KAFKA_SASL_USERNAME": "todo",
        "KAFKA_SASL_PASSWORD": secrets.token_urlsafe(24),
    }
    with running(Sidecar(stores={STORE: {"todo": bundle}})) as sidecar:
        result = _start_settings(sidecar)
    assert result.returncode == 0, result.stderr
    # The key and the passwords are the sidecar's; none of them was put into the environment.
    assert json.loads(result.stdout) == {
        "key": _digest(bundle["DJANGO_SECRET_KEY"]),
        "password": _digest(password),
        "sasl": _digest(bundle["KAFKA_SASL_PASSWORD"]),
        "host": "db.internal",
        "in_environment": [],
    }


@pytest.mark.processes
def test_a_missing_secret_stops_the_process_with_a_message_that_names_it():
    bundle = {"DATABASE_URL": f"postgres://todo:{secrets.token_urlsafe(16)}@db.internal:5432/todo"}
    with running(Sidecar(stores={STORE: {"todo": bundle}})) as sidecar:
        result = _start_settings(sidecar, DAPR_SECRETS="DATABASE_URL,DJANGO_SECRET_KEY")
    assert result.returncode != 0
    assert "SecretsUnavailable" in result.stderr  # a kind of ImproperlyConfigured
    assert (
        "secret 'todo' of the Dapr secret store 'todo-secrets' has no key DJANGO_SECRET_KEY" in result.stderr
    )
    assert bundle["DATABASE_URL"] not in result.stderr + result.stdout
