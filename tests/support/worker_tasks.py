"""Celery tasks that exist only for the test suite; test workers load them with
`-I tests.support.worker_tasks`."""

from typing import Any

from celery import Task, shared_task

from workers.bridge.retry_policies import handle_with_policy
from workers.events.envelope import Envelope


def _explode(envelope: Envelope) -> None:
    raise RuntimeError(f"handler always fails ({envelope.event_id})")


@shared_task(bind=True, name="tests.always_fails")
def always_fails(self: Task[Any, Any], event: dict[str, Any], topic: str) -> None:
    handle_with_policy(self, consumer="tests-always-fails", topic=topic, event=event, handler=_explode)
