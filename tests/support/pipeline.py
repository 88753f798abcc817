"""The running system for end-to-end tests: relay and bridges in threads, Celery workers as processes."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

from todo_project.consumers import CONSUMERS
from workers.bridge.loop import Bridge
from workers.relay.loop import OutboxRelay, RelaySettings


class Background:
    """A long-running loop (relay or bridge) in a thread of the test process."""

    def __init__(self, target: OutboxRelay | Bridge) -> None:
        self.target = target
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.target.run()
        finally:
            connections.close_all()  # the thread's own database connection

    def stop(self) -> None:
        self.target.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive(), f"{type(self.target).__name__} did not stop"


def make_relay() -> OutboxRelay:
    """A relay tuned for tests: quick polling and short backoffs."""
    return OutboxRelay(RelaySettings(poll_interval=0.2, relay_backoff_max=1.0))


@contextmanager
def running(*bridges: str, relay: bool = True) -> Iterator[list[Background]]:
    """The relay and the named bridge consumers, stopped cleanly when the block ends."""
    started: list[Background] = []
    try:
        if relay:
            started.append(Background(make_relay()))
        started += [Background(Bridge(CONSUMERS[name])) for name in bridges]
        yield started
    finally:
        for background in started:
            background.stop()
