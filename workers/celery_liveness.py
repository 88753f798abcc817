"""The liveness heartbeat (workers/liveness.py) of a Celery worker: touched from its event loop's timer.

todo_project/celery.py adds the step to every worker. A worker whose main loop is stuck stops touching the
file, however busy its pool is. Beat has its own: workers/beat_scheduler.py.
"""

from typing import Any

from celery import bootsteps

from workers.liveness import TOUCH_EVERY_SECONDS, heartbeat


class HeartbeatStep(bootsteps.StartStopStep):
    """Touches the liveness file every few seconds from the worker's timer (its main thread)."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.heartbeat = heartbeat()
        self.timer_entry: Any = None

    def start(self, parent: Any) -> None:
        if self.heartbeat.path is None:
            return
        self.heartbeat.beat()
        self.timer_entry = parent.timer.call_repeatedly(TOUCH_EVERY_SECONDS, self.heartbeat.beat)

    def stop(self, parent: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
