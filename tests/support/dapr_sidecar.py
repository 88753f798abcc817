"""A stand-in for the Dapr sidecar's secrets and health endpoints, on a free loopback port.

The real `daprd` cannot be installed here (its Go module needs replace directives, which the module proxy
cannot honour), so the tests of todo_project/dapr_secrets.py talk to this one. It answers as the Dapr
documentation says the sidecar does: `GET /v1.0/healthz/outbound` is 204 once ready (500 before), and
`GET /v1.0/secrets/<store>/<name>` is 200 with the secret's keys, 204 for a secret that does not exist,
400 for an unknown store, 403 for a secret outside the configuration's scopes, and 500 while the store
fails. It records every request, with its headers (names in lower case).
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


@dataclass
class Sidecar:
    # store name -> secret name -> {key: value}
    stores: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    ready_after: float = 0.0  # seconds after start before healthz/outbound answers 204; inf: never
    denied: set[str] = field(default_factory=set)  # secret names outside the scopes (403)
    failing_for: float = 0.0  # seconds after start during which secrets answer 500 (the store is starting)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    port: int = 0

    def answer(self, path: str) -> tuple[int, bytes]:
        age = time.monotonic() - self.started
        if path == "/v1.0/healthz/outbound":
            return (204, b"") if age >= self.ready_after else (500, b"")
        parts = path.split("/")
        if len(parts) != 5 or parts[:3] != ["", "v1.0", "secrets"]:
            return 404, b""
        store, name = unquote(parts[3]), unquote(parts[4])
        if store not in self.stores:
            return 400, _error("ERR_SECRET_STORE_NOT_FOUND")
        if name in self.denied:
            return 403, _error("ERR_PERMISSION_DENIED")
        if age < self.failing_for:
            return 500, _error("ERR_SECRET_GET")
        if name not in self.stores[store]:
            return 204, b""
        return 200, json.dumps(self.stores[store][name]).encode()


def _error(code: str) -> bytes:
    return json.dumps({"errorCode": code, "message": f"{code} (stand-in)"}).encode()


@contextmanager
def running(sidecar: Sidecar) -> Iterator[Sidecar]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            sidecar.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            status, body = sidecar.answer(self.path)
            self.send_response(status)
            if body:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sidecar.port = server.server_address[1]
    sidecar.started = time.monotonic()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sidecar
    finally:
        server.shutdown()
        server.server_close()
