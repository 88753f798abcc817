"""Secrets from the Dapr sidecar's secrets API, read once by the settings at start-up (in Kubernetes).

When DAPR_HTTP_PORT is set (the Dapr injector sets it in every app container) and DAPR_SECRETS names
settings, each of them is read from the secret store DAPR_SECRET_STORE through the sidecar, after waiting
(at most DAPR_SECRETS_TIMEOUT seconds) for the sidecar to be ready (`GET /v1.0/healthz/outbound`):

- DAPR_SECRET_NAME set (a store whose secrets hold several keys, e.g. Kubernetes secrets): one request,
  `GET /v1.0/secrets/<store>/<DAPR_SECRET_NAME>`, and each setting is the key of that name.
- DAPR_SECRET_NAME empty (a store of name/value secrets, e.g. Azure Key Vault): one request per setting, for
  the secret named like the setting in kebab case (DATABASE_URL is `database-url`).

The values go to the settings only (never to os.environ, so no child process, environment dump or log
shows them). A setting that cannot be loaded stops the process with an error that names it.
"""

import http.client
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

DEFAULT_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 5.0
POLL_SECONDS = 0.5


class SecretsUnavailable(ImproperlyConfigured):
    """The settings' secrets could not be read from the Dapr sidecar; the message says which and why."""


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes


def secret_name(setting: str) -> str:
    """The name of a setting's secret in a name/value store: DATABASE_URL is `database-url`."""
    return setting.lower().replace("_", "-")


def load(environ: Mapping[str, str], *, clock: Callable[[], float] = time.monotonic) -> dict[str, str]:
    """The settings named in DAPR_SECRETS, read through the sidecar; nothing when Dapr is not in use."""
    port = environ.get("DAPR_HTTP_PORT", "").strip()
    settings = [name.strip() for name in environ.get("DAPR_SECRETS", "").split(",") if name.strip()]
    if not port or not settings:
        return {}
    store = environ.get("DAPR_SECRET_STORE", "").strip()
    if not store:
        raise SecretsUnavailable(
            "DAPR_SECRETS is set but DAPR_SECRET_STORE (the secret store's name) is not."
        )
    try:
        timeout = float(environ.get("DAPR_SECRETS_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS)
    except ValueError:
        raise SecretsUnavailable("DAPR_SECRETS_TIMEOUT must be a number of seconds.") from None
    try:
        sidecar = _Sidecar(int(port), environ.get("DAPR_API_TOKEN", ""))
    except ValueError:
        raise SecretsUnavailable(f"DAPR_HTTP_PORT must be a port number, not {port!r}.") from None
    deadline = clock() + timeout
    sidecar.wait_until_ready(deadline, timeout, clock)

    bundle = environ.get("DAPR_SECRET_NAME", "").strip()
    if bundle:
        values = sidecar.secret(store, bundle, deadline, clock)
        missing = [name for name in settings if not values.get(name)]
        if missing:
            raise SecretsUnavailable(
                f"secret {bundle!r} of the Dapr secret store {store!r} has no key {', '.join(missing)}: "
                "add it, or remove it from DAPR_SECRETS."
            )
        return {name: values[name] for name in settings}

    loaded = {}
    for name in settings:
        key = secret_name(name)
        values = sidecar.secret(store, key, deadline, clock)
        # A name/value store answers {name: value}; take the only value of a store that names it otherwise.
        value = values.get(key) or (next(iter(values.values())) if len(values) == 1 else "")
        if not value:
            raise SecretsUnavailable(f"secret {key!r} ({name}) of the Dapr secret store {store!r} is empty.")
        loaded[name] = value
    return loaded


class _Sidecar:
    def __init__(self, port: int, api_token: str) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.headers = {"dapr-api-token": api_token} if api_token else {}

    def wait_until_ready(self, deadline: float, timeout: float, clock: Callable[[], float]) -> None:
        last = "no answer"
        while True:
            try:
                answer = self._get("/v1.0/healthz/outbound")
                if answer.status == 204:
                    return
                last = f"HTTP {answer.status}"
            except OSError as error:
                last = _reason(error)
            if clock() >= deadline:
                raise SecretsUnavailable(
                    f"the Dapr sidecar at {self.base_url} was not ready within {timeout:g} s "
                    f"(GET /v1.0/healthz/outbound: {last}); no secret could be loaded."
                )
            time.sleep(POLL_SECONDS)

    def secret(self, store: str, name: str, deadline: float, clock: Callable[[], float]) -> dict[str, str]:
        path = f"/v1.0/secrets/{urllib.parse.quote(store, safe='')}/{urllib.parse.quote(name, safe='')}"
        where = f"secret {name!r} of the Dapr secret store {store!r}"
        while True:
            try:
                answer = self._get(path)
            except OSError as error:
                failure = _reason(error)
            else:
                if answer.status == 200:
                    return _secret_values(answer.body, where)
                if answer.status == 204:
                    raise SecretsUnavailable(f"{where} does not exist.")
                if answer.status == 403:
                    raise SecretsUnavailable(
                        f"{where}: access denied (the Dapr configuration's secret scopes)."
                    )
                if answer.status == 400:
                    raise SecretsUnavailable(f"{where}: the store is missing or misconfigured (HTTP 400).")
                # 500: the store failed (it may be starting, or unreachable for a moment): ask again.
                failure = f"HTTP {answer.status} {_error_code(answer.body)}".rstrip()
            if clock() >= deadline:
                raise SecretsUnavailable(f"{where} could not be read: {failure}.")
            time.sleep(POLL_SECONDS)

    def _get(self, path: str) -> _Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            connection.request("GET", path, headers=self.headers)
            response = connection.getresponse()
            return _Answer(response.status, response.read())
        finally:
            connection.close()


def _secret_values(body: bytes, where: str) -> dict[str, str]:
    try:
        values = json.loads(body)
    except ValueError:
        raise SecretsUnavailable(f"{where}: the sidecar's answer is not JSON.") from None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise SecretsUnavailable(f"{where}: the sidecar's answer is not an object of strings.")
    return values


def _error_code(body: bytes) -> str:
    """Dapr's error code (e.g. ERR_SECRET_GET) from an error answer, for the start-up message."""
    try:
        code = json.loads(body).get("errorCode", "")
    except (ValueError, AttributeError):
        return ""
    return code if isinstance(code, str) else ""


def _reason(error: OSError) -> str:
    return str(error) or type(error).__name__
