"""Prometheus metrics of the Celery processes: each task's runtime and outcome, and the `--metrics-port`
on which a worker (or beat) serves its metrics.

A worker's tasks run in its pool processes, which come and go, so a worker started with `--metrics-port N`
runs prometheus_client in multiprocess mode: every pool process writes its metrics into files under a
directory of that worker's own (WORKER_METRICS_DIR/port-N, emptied when the worker starts), and the
worker's main process serves their sum on port N. Counters and histograms of pool processes that exited
stay in the sum; a gauge set in pool processes names how to combine them (`multiprocess_mode`). Beat is one
process and serves its own registry.
"""

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

import click
from celery.signals import task_postrun, task_prerun, worker_process_init, worker_process_shutdown
from django.conf import settings
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
    values,
)

from todo_project.celery import app

TASKS = Counter(
    "celery_tasks",
    "Celery tasks run, by task and outcome (success, failure, retry: its state when it ended)",
    ["task", "outcome"],
)
TASK_RUNTIME = Histogram(
    "celery_task_runtime_seconds",
    "Time a Celery task ran in its worker process",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


@dataclass
class _Exporter:
    server: WSGIServer | None = None


_exporter = _Exporter()
_started: dict[str, float] = {}  # task id -> when it started, in the pool process running it


def worker_metrics_dir(port: int) -> Path:
    """The directory where the pool processes of the worker serving metrics on `port` write them."""
    base = settings.WORKER_METRICS_DIR or Path(tempfile.gettempdir()) / "todo-worker-metrics"
    return Path(base) / f"port-{port}"


def _serve(port: int, registry: CollectorRegistry) -> WSGIServer:
    try:
        server, _ = start_http_server(port, addr=settings.METRICS_ADDRESS, registry=registry)
    except OSError as error:
        raise click.BadParameter(
            f"cannot serve metrics on {settings.METRICS_ADDRESS}:{port}: {error}"
        ) from error
    return server


def _serve_worker_metrics(ctx: click.Context, param: click.Parameter, port: int | None) -> int | None:
    """The worker's `--metrics-port`. Acted on while the command line is read, before Django and the task
    modules load: metrics created from then on, in every pool process, write to the worker's directory."""
    if not port:
        return port
    registry = CollectorRegistry()
    # The port first: a worker that cannot have it stops here, before it empties another one's directory.
    _exporter.server = _serve(port, registry)
    directory = worker_metrics_dir(port)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)  # inherited by the pool processes
    # prometheus_client picks how values are kept when it is first imported (this module imported it):
    # pick again now that the directory is set.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return port


def _serve_beat_metrics(ctx: click.Context, param: click.Parameter, port: int | None) -> int | None:
    """Beat's `--metrics-port`: one process, its own registry."""
    if port:
        _serve(port, REGISTRY)
    return port


app.user_options["worker"].add(
    click.Option(
        ["--metrics-port"],
        type=int,
        default=None,
        expose_value=False,
        callback=_serve_worker_metrics,
        help="Serve the Prometheus metrics of this worker's pool processes on this port.",
    )
)
app.user_options["beat"].add(
    click.Option(
        ["--metrics-port"],
        type=int,
        default=None,
        expose_value=False,
        callback=_serve_beat_metrics,
        help="Serve beat's Prometheus metrics on this port.",
    )
)


@worker_process_init.connect
def _close_inherited_listener(**kwargs: Any) -> None:
    """A pool process inherits the main process's listening socket: only the main process serves it."""
    if _exporter.server is not None:
        _exporter.server.socket.close()


@worker_process_shutdown.connect
def _forget_live_gauges(pid: int | None = None, **kwargs: Any) -> None:
    if _exporter.server is not None:
        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]


@task_prerun.connect
def _task_started(task_id: str, **kwargs: Any) -> None:
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_ended(task_id: str, task: Any, state: str | None = None, **kwargs: Any) -> None:
    started = _started.pop(task_id, None)
    TASKS.labels(task=task.name, outcome=(state or "unknown").lower()).inc()
    if started is not None:
        TASK_RUNTIME.labels(task=task.name).observe(time.monotonic() - started)
