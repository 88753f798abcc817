"""The identity provider's key set (Better Auth's JWKS) served by a real HTTP server in the test process, so
that verification takes the production path (fetch, cache, kid lookup)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ALGORITHMS: dict[str, Any] = {"EdDSA": OKPAlgorithm, "ES256": ECAlgorithm, "RS256": RSAAlgorithm}


class JwksServer:
    """Serves the public halves of the keys added to it at `url`, counting the fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, Any]] = {}
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps({"keys": list(outer.keys.values())}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/auth/jwks"

    def add(self, kid: str, private_key: Any, algorithm: str) -> None:
        jwk = json.loads(ALGORITHMS[algorithm].to_jwk(private_key.public_key()))
        self.keys[kid] = {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}

    def close(self) -> None:
        self.server.shutdown()
