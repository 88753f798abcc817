"""Live updates for tests: the live-updates server as a process, and a Server-Sent Events client.

`SseClient` reads one stream in a thread with `http.client` (the chunked body as it comes) and keeps what it
parsed: events (id, type, data) and comments, so tests wait for what a browser would see.
"""

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.ports import free_port
from tests.support.processes import ManagedProcess
from tests.support.waiting import wait_for


@dataclass(frozen=True)
class Event:
    id: str | None
    type: str
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)


class SseClient:
    """One open stream of `GET path`; `status` and `body` (when not 200) are set once it has answered."""

    def __init__(
        self,
        port: int,
        path: str,
        *,
        token: str | None = None,
        last_event_id: str | None = None,
        on_event: Callable[["Event"], None] | None = None,
    ) -> None:
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.headers = dict(self.response.getheaders())
        self.events: list[Event] = []
        self.comments: list[str] = []
        self.ended = threading.Event()
        self.clean_end: bool | None = None  # the server ended the body properly (the last chunk came)
        self.last_id: str | None = last_event_id
        self.on_event = on_event
        self._lock = threading.Lock()
        if self.status != 200:
            self.body = self.response.read()
            self.ended.set()
            return
        self.body = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        data: list[str] = []
        try:
            while True:
                raw = self.response.readline()
                if not raw:
                    self.clean_end = True
                    return
                line = raw.decode().rstrip("\r\n")
                if line == "":
                    if "id" in fields:
                        self.last_id = fields["id"]  # an `id` counts even without data (the opening one)
                    if data:
                        event = Event(fields.get("id"), fields.get("event", "message"), "\n".join(data))
                        with self._lock:
                            self.events.append(event)
                        if self.on_event is not None:
                            self.on_event(event)
                    fields, data = {}, []
                elif line.startswith(":"):
                    with self._lock:
                        self.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        data.append(value)
                    else:
                        fields[name] = value
        except (http.client.IncompleteRead, OSError, ValueError, AttributeError):  # or closed by close()
            self.clean_end = False
        finally:
            self.ended.set()

    def changes(self) -> list[Event]:
        """The task changes received so far (not `resync`)."""
        with self._lock:
            return [event for event in self.events if event.type.startswith("task.")]

    def received(self) -> list[Event]:
        with self._lock:
            return list(self.events)

    def wait_for_events(self, count: int, *, timeout: float = 10, kind: str = "task.") -> list[Event]:
        def arrived() -> bool:
            return len([event for event in self.received() if event.type.startswith(kind)]) >= count

        wait_for(arrived, timeout=timeout, message=f"{count} {kind}* event(s) on the stream")
        return [event for event in self.received() if event.type.startswith(kind)]

    def close(self) -> None:
        if self.connection.sock is not None:
            with contextlib.suppress(OSError):
                self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()


@dataclass
class Follower:
    """A user's stream followed as the UI follows it: after an end or a failure, connect again a second
    later (the server's `retry`) with the last id seen. Keeps every event with when it arrived."""

    port: int
    user_id: str
    token: str
    received: list[tuple[float, Event]] = field(default_factory=list)  # (time.time(), event)
    connections: int = 0
    refused: list[int] = field(default_factory=list)  # statuses other than 200 (the server restarting...)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Follower":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        last_id: str | None = None
        while not self.stop.is_set():
            try:
                client = SseClient(
                    self.port,
                    f"/api/{self.user_id}/events",
                    token=self.token,
                    last_event_id=last_id,
                    on_event=lambda event: self.received.append((time.time(), event)),
                )
            except OSError:
                self.stop.wait(1)
                continue
            self.connections += 1
            if client.status != 200:
                self.refused.append(client.status)
            while not client.ended.wait(0.2):
                if self.stop.is_set():
                    client.close()
                    return
            last_id = client.last_id or last_id
            self.stop.wait(1)

    def close(self) -> None:
        self.stop.set()
        self._thread.join(10)


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class LiveServer:
    """`manage.py run_live_updates` on a free port, with the test settings."""

    def __init__(self, name: str = "live-updates", **env: str) -> None:
        from tests.support.processes import process_env

        self.port = free_port()
        self.process = ManagedProcess(
            name, "run_live_updates", "--port", str(self.port), env=process_env(**env) if env else None
        )

    def start(self) -> "LiveServer":
        self.process.start()
        self.process.wait_until(lambda: accepts_connections(self.port), "accepting connections")
        return self

    def stop(self) -> int | None:
        return self.process.stop()

    def kill(self) -> None:
        self.process.kill()

    def stream(self, user_id: str, **kwargs: Any) -> SseClient:
        return SseClient(self.port, f"/api/{user_id}/events", **kwargs)
