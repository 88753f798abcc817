"""Looking into the Celery queues in the test Redis: the messages a bridge published."""

import base64
import json
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings


@dataclass(frozen=True)
class QueuedTask:
    name: str
    task_id: str
    headers: dict[str, Any]
    args: list[Any]


def queued(queue: str) -> list[QueuedTask]:
    """The tasks waiting in a queue, oldest first (kombu pushes to the left, workers pop from the right)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    tasks = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        headers = message["headers"]
        tasks.append(QueuedTask(name=headers["task"], task_id=headers["id"], headers=headers, args=body[0]))
    return tasks


def empty(queue: str) -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)


def handed_over(queue: str) -> list[dict[str, Any]]:
    """The events waiting in a queue, oldest first: a batch task's in its order, a one-event task's alone."""
    events: list[dict[str, Any]] = []
    for task in queued(queue):
        if isinstance(task.args[0], list):  # a batch task: its first argument is the list of events
            events.extend(task.args[0])
        else:
            events.append(task.args[0])
    return events
