"""The bridge consumers of this deployment: which topic each reads, what it accepts, which app it feeds.

`settings.BRIDGE_CONSUMERS` names this table; workers/bridge runs it without knowing the apps. A name is
also the consumer's Kafka group id (after the topic prefix): renaming one starts a new group.
"""

from live_updates_app.publishing import publish_task_change
from notifications_app.tasks import handle_reminder_event, handle_reminder_events
from recurrence_app.services import completion_recurs
from recurrence_app.tasks import handle_task_completed, handle_task_completed_batch
from tasks_app import events
from webhooks_app.selectors import user_has_endpoints
from webhooks_app.tasks import handle_task_event
from workers.bridge.registry import ConsumerSpec
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES

CONSUMERS: dict[str, ConsumerSpec] = {
    spec.name: spec
    for spec in (
        ConsumerSpec(
            name="recurrence",
            topic=TASK_EVENTS,
            event_types=frozenset({events.TASK_COMPLETED}),
            task_name=handle_task_completed.name,
            batch_task_name=handle_task_completed_batch.name,
            queue="recurrence",
            wants=completion_recurs,
        ),
        ConsumerSpec(
            name="reminders",
            topic=REMINDERS,
            event_types=frozenset({events.REMINDER_SCHEDULED, events.REMINDER_CANCELLED}),
            task_name=handle_reminder_event.name,
            batch_task_name=handle_reminder_events.name,
            queue="reminders",
        ),
        ConsumerSpec(
            name="task-updates",
            topic=TASK_UPDATES,
            event_types=frozenset({events.TASK_CREATED, events.TASK_UPDATED, events.TASK_DELETED}),
            task_name=None,
            queue=None,
            handler=publish_task_change,
        ),
        ConsumerSpec(
            name="webhooks",
            topic=TASK_UPDATES,
            event_types=frozenset({events.TASK_CREATED, events.TASK_UPDATED, events.TASK_DELETED}),
            task_name=handle_task_event.name,
            queue="webhooks",
            wants=user_has_endpoints,  # only the changes of users with an enabled endpoint
        ),
    )
}
