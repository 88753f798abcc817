"""The Celery application; apps declare their tasks with `shared_task` and never import this module."""

import logging
import os
from collections.abc import Mapping
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import close_old_connections

from workers.celery_liveness import HeartbeatStep
from workers.telemetry.celery import quiet_tasks  # tracing in worker processes (signal handlers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

app = Celery("todo_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(HeartbeatStep)  # the liveness file (LIVENESS_FILE), touched from the main loop


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(**kwargs: Any) -> None:
    """Drop connections that are broken or older than CONN_MAX_AGE, as Django does around requests."""
    close_old_connections()


# Celery's own INFO lines about a task: received and succeeded (worker), sent (beat).
CELERY_TASK_LOGGERS = ("celery.worker.strategy", "celery.app.trace", "celery.beat")


class QuietFrequentTasks(logging.Filter):
    """Drops Celery's INFO lines about the periodic tasks that run more often than once a minute (the
    sweeps, every second or two): several lines a second that would bury every other line of `make run`.
    Their warnings and errors stay, and so do the lines the tasks log themselves."""

    def __init__(self, task_names: frozenset[str]) -> None:
        super().__init__()
        self.task_names = task_names

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        args = record.args
        names = [args.get("name")] if isinstance(args, Mapping) else list(args or ())
        return not any(name in self.task_names for name in names)


def frequent_periodic_tasks() -> frozenset[str]:
    return frozenset(
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if float(entry["schedule"]) < 60
    )


_quiet = QuietFrequentTasks(frequent_periodic_tasks())
for _name in CELERY_TASK_LOGGERS:
    logging.getLogger(_name).addFilter(_quiet)
quiet_tasks(frequent_periodic_tasks())  # and no trace of their own: two a second would bury the others

# Prometheus: the workers' and beat's `--metrics-port`, and each task's runtime and outcome (needs `app`).
import todo_project.worker_metrics  # noqa: E402, F401
