"""Tracing in Celery's processes: each worker process (prefork child) sets up its own tracer provider, named
after its node (`reminders@host` -> `todo-worker-reminders`, `worker@host` -> `todo-worker`), and exports
what it buffered before it exits (children leave through `os._exit`, past every atexit hook). A run of a
frequent sweep starts no trace (`quiet_tasks`), or Zipkin would hold two a second of them."""

from typing import Any

from celery.signals import celeryd_init, worker_process_init, worker_process_shutdown

from workers.telemetry import tracing

_node = "worker"
_quiet_tasks: frozenset[str] = frozenset()


def quiet_tasks(names: frozenset[str]) -> None:
    """Tasks whose runs start no trace of their own (the composition root names its frequent sweeps)."""
    global _quiet_tasks
    _quiet_tasks = names


@celeryd_init.connect(weak=False)
def _remember_node(sender: str | None = None, **kwargs: Any) -> None:
    global _node
    if sender:
        _node = sender.partition("@")[0] or _node


@worker_process_init.connect(weak=False)
def _start_tracing(**kwargs: Any) -> None:
    name = "todo-worker" if _node in ("worker", "celery") else f"todo-worker-{_node}"
    tracing.configure_tracing(
        name,
        instrument=("celery", "psycopg", "redis"),
        quiet_roots=frozenset(f"run/{task}" for task in _quiet_tasks),  # the Celery instrumentation's names
    )


@worker_process_shutdown.connect(weak=False)
def _flush_tracing(**kwargs: Any) -> None:
    tracing.flush()
