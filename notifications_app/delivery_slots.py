"""Which delivery tasks this process has put on the queue already, so that a burst of reminders due in
the same second costs one Celery ETA task rather than one per reminder.

A delivery task starting at `v` delivers every reminder already due then and waits through the rest of
`v`'s second for each later one (`reminders_deliver_due(wait=True)`), as long as the reminder was enqueued
before `v`. A reminder starting at `t >= v` in that second therefore needs no task of its own while the
task at `v` has not started; that is judged with a margin for clock skew between hosts. A reminder that
is already due (enqueued late, behind a backlog of events) starts GATHER from now, so that the late ones
share a task too. The ledger is per process and only saves work: another process enqueues its own task
(one more task, never one fewer), and the lost-reminder sweep stays the backstop.
"""

from datetime import UTC, datetime, timedelta

SLOT = timedelta(seconds=1)
SKEW_MARGIN = timedelta(milliseconds=250)
GATHER = timedelta(milliseconds=500)
_PRUNE_ABOVE = 1024  # entries; older ones are dropped past this


def delivery_start(instant: datetime, *, now: datetime) -> datetime:
    """When the delivery task of a reminder due at `instant` should start: at the instant, or, for one
    due already or about to be, a moment from now."""
    return max(instant, now + GATHER)


def slot_end(instant: datetime) -> datetime:
    """The end of the second `instant` falls in (exclusive): how long a delivery task at it waits."""
    seconds = int(instant.timestamp() // SLOT.total_seconds())
    return datetime.fromtimestamp(seconds * SLOT.total_seconds(), tz=UTC) + SLOT


class DeliverySlots:
    """The earliest start in each second of the delivery tasks this process enqueued."""

    def __init__(self) -> None:
        self._earliest: dict[datetime, datetime] = {}  # slot end -> instant of the task

    def covers(self, start: datetime, *, now: datetime) -> bool:
        """A task already enqueued will deliver a reminder whose delivery would start at `start`."""
        earliest = self._earliest.get(slot_end(start))
        return earliest is not None and earliest <= start and now < earliest - SKEW_MARGIN

    def record(self, start: datetime, *, now: datetime) -> None:
        """A delivery task starting at `start` was enqueued."""
        end = slot_end(start)
        earliest = self._earliest.get(end)
        if earliest is None or start < earliest or now >= earliest - SKEW_MARGIN:
            self._earliest[end] = start
        if len(self._earliest) > _PRUNE_ABOVE:
            self._earliest = {end: at for end, at in self._earliest.items() if end > now}
