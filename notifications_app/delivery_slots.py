"""Which delivery tasks this process has put on the queue already, so that a burst of reminders due in
the same second costs one Celery ETA task rather than one per reminder.

A delivery task enqueued for instant `v` serves every reminder of `v`'s second that was enqueued before
`v`, each at its own time (`reminders_deliver_due(wait=True)`). A reminder due at `t >= v` in that second
therefore needs no task of its own while the task at `v` has not started; that is judged with a margin
for clock skew between hosts. The ledger is per process and only saves work: another process enqueues
its own task (one more task, never one fewer), and the lost-reminder sweep stays the backstop.
"""

from datetime import UTC, datetime, timedelta

SLOT = timedelta(seconds=1)
SKEW_MARGIN = timedelta(milliseconds=250)
_PRUNE_ABOVE = 1024  # entries; older ones are dropped past this


def slot_end(instant: datetime) -> datetime:
    """The end of the second `instant` falls in (exclusive): how long a delivery task at it waits."""
    seconds = int(instant.timestamp() // SLOT.total_seconds())
    return datetime.fromtimestamp(seconds * SLOT.total_seconds(), tz=UTC) + SLOT


class DeliverySlots:
    """The earliest instant of each second for which this process enqueued a delivery task."""

    def __init__(self) -> None:
        self._earliest: dict[datetime, datetime] = {}  # slot end -> instant of the task

    def covers(self, instant: datetime, *, now: datetime) -> bool:
        """A task already enqueued will deliver a reminder due at `instant`."""
        earliest = self._earliest.get(slot_end(instant))
        return earliest is not None and earliest <= instant and now < earliest - SKEW_MARGIN

    def record(self, instant: datetime, *, now: datetime) -> None:
        """A delivery task at `instant` was enqueued."""
        end = slot_end(instant)
        earliest = self._earliest.get(end)
        if earliest is None or instant < earliest or now >= earliest - SKEW_MARGIN:
            self._earliest[end] = instant
        if len(self._earliest) > _PRUNE_ABOVE:
            self._earliest = {end: at for end, at in self._earliest.items() if end > now}
