"""Celery beat's scheduler: django-celery-beat's DatabaseScheduler (schedules editable in the admin) that
touches the liveness file (workers/liveness.py) at every tick, at least every five seconds, and stops on
SIGTERM or SIGINT without touching the database from the signal handler.

Celery's own handler saves the schedule from inside the handler. A signal that lands while beat is in a
query (every tick asks whether the schedule changed) made that save wait for psycopg's connection lock,
held by the query it interrupted: beat hung until it was killed. Here the handler only asks beat to stop,
at once when it is idle (sleeping between ticks) and after the tick or save otherwise; Celery's service
then saves the schedule on its way out, outside any query.

Named by CELERY_BEAT_SCHEDULER; it imports Django models, so nothing imports it before Django is set up.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from celery import platforms
from django_celery_beat.schedulers import DatabaseScheduler

from workers.liveness import heartbeat


class HeartbeatDatabaseScheduler(DatabaseScheduler):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.heartbeat = heartbeat()
        self._busy = 0  # depth of the sections a stop waits for (database and broker work)
        self._stop_asked = False
        if not kwargs.get("lazy"):  # the banner's lazy instance runs nothing; the service's instance does
            platforms.signals.update(SIGTERM=self._ask_to_stop, SIGINT=self._ask_to_stop)
        with self._stop_after():
            super().__init__(*args, **kwargs)

    def _ask_to_stop(self, signum: int, frame: FrameType | None) -> None:
        if self._busy:
            self._stop_asked = True
        else:
            raise SystemExit()  # caught by celery.beat.Service.start, which saves the schedule

    @contextmanager
    def _stop_after(self) -> Iterator[None]:
        """Defer a stop asked for within the block to its end."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
        if not self._busy and self._stop_asked:
            self._stop_asked = False  # asked once: the service's save on the way out runs to its end
            raise SystemExit()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self.heartbeat.beat()
        with self._stop_after():
            interval: float = super().tick(*args, **kwargs)
        return interval

    def sync(self) -> None:
        with self._stop_after():
            super().sync()
