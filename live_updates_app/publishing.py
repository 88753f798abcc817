"""The `task-updates` bridge's handler: each task change, with the task as the API shows it, to its user.

It runs in the bridge process itself: its work is one PostgreSQL read and one Redis write, the same as
handing the event to Celery would cost, so a Celery hop would only add latency. A change whose task is gone
by now (deleted since) carries `"task": null`, as a `task.deleted` always does: the tombstone.
"""

import json

from live_updates_app import streams
from tasks_app import selectors
from tasks_app.events import TASK_DELETED
from tasks_app.outputs import task_output
from workers.events.envelope import Envelope


def publish_task_change(envelope: Envelope) -> None:
    task = None
    if envelope.event_type != TASK_DELETED:
        task = selectors.task_find(user_id=envelope.user_id, task_id=envelope.task_id)
    message = {
        "type": envelope.event_type,
        "event_id": envelope.event_id,
        "task_id": envelope.task_id,
        "changed": envelope.payload.get("changed", []),
        "occurred_at": envelope.raw["timestamp"],
        "task": task_output(task) if task is not None else None,  # as the API shows it
    }
    streams.publish(
        [
            streams.Change(
                user_id=envelope.user_id,
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                data=json.dumps(message, separators=(",", ":")),
            )
        ]
    )
