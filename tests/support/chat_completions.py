"""A stand-in for an OpenAI-compatible chat-completions API, for the assistant's provider tests.

The real one is a hosted service that cannot run here (no network but package registries), so this HTTP
server in a thread of the test process speaks its protocol: `POST /v1/chat/completions` with `model`,
`messages` and `tools`, answered with `{"choices": [{"message": {...}}]}`, where the message is either text
(`content`) or `tool_calls` (`[{"id", "type": "function", "function": {"name", "arguments": "<JSON>"}}]`).
The test scripts its answers in order (`answers`), and reads what it was sent (`requests`).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def text(content: str) -> dict[str, Any]:
    """An answer in words."""
    return {"role": "assistant", "content": content}


def tool_calls(*calls: tuple[str, Any]) -> dict[str, Any]:
    """An answer that calls tools: (name, arguments); arguments that are not a str are sent as JSON."""
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{index}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
            for index, (name, arguments) in enumerate(calls)
        ],
    }


class ChatCompletionsStandIn:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []  # the messages to answer with, in order
        self.delay = 0.0  # seconds before each answer (a provider too slow to wait for)
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append(body)
                stand_in.authorizations.append(self.headers.get("Authorization", ""))
                time.sleep(stand_in.delay)
                if self.path != "/v1/chat/completions" or stand_in.status != 200 or not stand_in.answers:
                    self._answer(stand_in.status if stand_in.status != 200 else 404, {"error": "no"})
                    return
                message = stand_in.answers.pop(0)
                self._answer(200, {"id": "chatcmpl-1", "object": "chat.completion", "choices": [
                    {"index": 0, "message": message, "finish_reason": "tool_calls" if "tool_calls" in message
                     else "stop"}
                ]})  # fmt: skip

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/v1"

    def start(self) -> "ChatCompletionsStandIn":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
