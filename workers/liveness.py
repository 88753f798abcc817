"""Liveness of the processes that serve no HTTP (the relay, the bridges, Celery's workers and beat).

Each one touches a file from its main loop (`Heartbeat.beat()`, at most every few seconds): the relay and
the bridges once per round, a Celery worker from its event loop's timer, beat at every tick
(workers/celery_liveness.py). Kubernetes' exec probe runs `python -m workers.liveness --max-age 60`, which
fails when the file is older than that: the loop is stuck, not merely waiting for a broker that is away
(the loops go round while they wait). The file is LIVENESS_FILE; without it, nothing is written.

The probe side imports nothing but the standard library: it runs every few seconds in each pod.
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

TOUCH_EVERY_SECONDS = 5.0
DEFAULT_MAX_AGE_SECONDS = 60.0


class Heartbeat:
    """Touches `path` when called, at most every TOUCH_EVERY_SECONDS; does nothing without a path."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path else None
        self._touched_at = -float("inf")
        self._failing = False

    def beat(self) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if now - self._touched_at < TOUCH_EVERY_SECONDS:
            return
        self._touched_at = now
        try:
            self.path.touch()
        except OSError as error:
            if not self._failing:  # once, not at every beat: the probe will say the rest
                logger.warning("cannot touch the liveness file %s: %s", self.path, error)
            self._failing = True
        else:
            self._failing = False


def heartbeat() -> Heartbeat:
    """The process's heartbeat, on the file the settings name (LIVENESS_FILE)."""
    from django.conf import settings

    return Heartbeat(settings.LIVENESS_FILE)


def age(path: Path) -> float | None:
    """Seconds since the file was last touched, or None when there is no such file."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workers.liveness",
        description="Exit 0 when the liveness file was touched within --max-age seconds, else 1.",
    )
    parser.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE_SECONDS, help="seconds (default 60)")
    parser.add_argument("--file", default=os.environ.get("LIVENESS_FILE", ""), help="default: $LIVENESS_FILE")
    args = parser.parse_args(argv)
    if not args.file:
        parser.error("no liveness file: set LIVENESS_FILE or pass --file")  # exits with status 2
    seconds = age(Path(args.file))
    if seconds is None:
        sys.exit(f"{args.file} does not exist: the process has not started its loop")
    if seconds > args.max_age:
        sys.exit(f"{args.file} was last touched {seconds:.0f} s ago (more than {args.max_age:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
