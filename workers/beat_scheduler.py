"""Celery beat's scheduler: django-celery-beat's DatabaseScheduler (schedules editable in the admin) that
touches the liveness file (workers/liveness.py) at every tick, at least every five seconds.

Named by CELERY_BEAT_SCHEDULER; it imports Django models, so nothing imports it before Django is set up.
"""

from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler

from workers.liveness import heartbeat


class HeartbeatDatabaseScheduler(DatabaseScheduler):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.heartbeat = heartbeat()
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self.heartbeat.beat()
        interval: float = super().tick(*args, **kwargs)
        return interval
