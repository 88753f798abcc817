"""A webhook receiver for tests and the webhook benchmark: an HTTP server in a thread of this process that
verifies each delivery's signature as docs/webhooks.md tells receivers to (its own code, not the sender's)
and records what arrived.

It answers the statuses queued in `answers` first (e.g. `[500]` for one failure), then `status`.
"""

import hashlib
import hmac
import json
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 300


def verify_signature(*, secret: str, headers: dict[str, str], body: bytes, now: float) -> bool:
    """The receiver's check, as docs/webhooks.md shows it: a fresh timestamp, and a `v1=` signature equal
    (in constant time) to the hex HMAC-SHA256 of `<timestamp>.<raw body>` keyed with the whole secret."""
    timestamp = headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    signatures = [
        part.strip().removeprefix("v1=")
        for part in headers.get("webhook-signature", "").split(",")
        if part.strip().startswith("v1=")
    ]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


@dataclass(frozen=True)
class Received:
    at: float  # time.time() when it arrived
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    verified: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, *, secret: str = "", tls: tuple[str, str] | None = None) -> None:
        """`tls`: (certificate file, key file) to serve https instead of http."""
        self.secret = secret
        self.status = 200
        self.answers: list[int] = []
        self.delay = 0.0
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                at = time.time()
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    answer = receiver.answers.pop(0) if receiver.answers else receiver.status
                    verified = verify_signature(secret=receiver.secret, headers=headers, body=body, now=at)
                    receiver.received.append(Received(at, self.path, headers, body, verified, answer))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(answer)
                if 300 <= answer < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hooks", *, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[Received]:
        """The deliveries it accepted (answered 2xx)."""
        with self._lock:
            return [r for r in self.received if 200 <= r.answered < 300]

    def all(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def reset(self, *, secret: str | None = None) -> None:
        with self._lock:
            self.received.clear()
            self.answers.clear()
            self.status = 200
            self.delay = 0.0
            if secret is not None:
                self.secret = secret
