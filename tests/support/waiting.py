"""Waiting for a condition instead of sleeping: poll it until it holds, fail at a deadline."""

import time
from collections.abc import Callable


def wait_for(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.1, message: str = ""
) -> None:
    """Poll `condition` until it holds; fail with `message` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")
