"""A task's reminders: each at an instant or a while before the due date, and which of them are still owed.

They are stored on the task as a JSON list, in the order they fall, each item one of
`{"at": "<ISO instant>"}` or `{"before_due": <seconds>}`, plus `"done": "<ISO instant>"` once the reminder's
email was sent at that instant (or, for a new occurrence of a series, when that instant had passed before
the occurrence existed). A reminder is pending while its instant is not the one it was done at: a reminder
before the due date moves with the due date, and is owed again at its new instant.

`reminder_at` and `reminder_sent`, the columns (and API fields) of the time when a task had one reminder,
are derived here: the first pending instant and False, or, when none is pending, the last instant and True.
A task with a single reminder reads exactly as it did then.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_REMINDERS = 10
MAX_BEFORE_DUE = timedelta(days=366)


@dataclass(frozen=True)
class ReminderSpec:
    """What the user asked for: an instant (`at`), or a while before the due date (`before_due`)."""

    at: datetime | None = None
    before_due: timedelta | None = None

    def instant(self, due_date: datetime | None) -> datetime | None:
        """When it falls; None for one before a due date the task does not have."""
        if self.before_due is None:
            return self.at
        return None if due_date is None else due_date - self.before_due


@dataclass(frozen=True)
class StoredReminder:
    """One stored reminder: its spec, its instant for the task's due date, and whether it is still owed."""

    spec: ReminderSpec
    instant: datetime | None
    pending: bool


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def load(stored: Iterable[Mapping[str, Any]], due_date: datetime | None) -> list[StoredReminder]:
    """The stored list, read for a task due at `due_date`."""
    reminders = []
    for item in stored:
        before_due = item.get("before_due")
        spec = (
            ReminderSpec(before_due=timedelta(seconds=before_due))
            if before_due is not None
            else ReminderSpec(at=_parse(item["at"]))
        )
        instant = spec.instant(due_date)
        done = item.get("done")
        reminders.append(
            StoredReminder(spec, instant, instant is not None and (done is None or _parse(done) != instant))
        )
    return reminders


def pending_instants(stored: Iterable[Mapping[str, Any]], due_date: datetime | None) -> list[datetime]:
    """The instants still owed an email, earliest first."""
    return sorted(r.instant for r in load(stored, due_date) if r.pending and r.instant is not None)


@dataclass(frozen=True)
class ReminderColumns:
    """What a task's three reminder columns hold."""

    reminders: list[dict[str, Any]]
    reminder_at: datetime | None
    reminder_sent: bool


def store(
    specs: Sequence[ReminderSpec], *, due_date: datetime | None, done: Iterable[datetime]
) -> ReminderColumns:
    """The columns for `specs` on a task due at `due_date`, those falling at an instant in `done` done.

    A spec without an instant (before a due date the task does not have) is kept, and is never pending.
    """
    done_at = set(done)
    timed = sorted(
        ((spec, spec.instant(due_date)) for spec in specs),
        key=lambda pair: (pair[1] is None, pair[1] or datetime.min.replace(tzinfo=UTC)),
    )
    items: list[dict[str, Any]] = []
    pending: list[datetime] = []
    instants: list[datetime] = []
    for spec, instant in timed:
        item: dict[str, Any] = (
            {"before_due": int(spec.before_due.total_seconds())}
            if spec.before_due is not None
            else {"at": _iso(spec.at)}  # type: ignore[arg-type]  # an absolute spec has `at`
        )
        if instant is not None:
            instants.append(instant)
            if instant in done_at:
                item["done"] = _iso(instant)
            else:
                pending.append(instant)
        items.append(item)
    if pending:
        return ReminderColumns(items, pending[0], False)
    return ReminderColumns(items, instants[-1] if instants else None, bool(instants))


def restore(
    stored: Iterable[Mapping[str, Any]],
    *,
    specs: Sequence[ReminderSpec] | None = None,
    due_date: datetime | None,
    old_due_date: datetime | None,
    now: datetime,
) -> ReminderColumns:
    """A task's columns after a change of its reminders (`specs`, None for unchanged) or due date.

    What was done stays done at the same instant. An instant that has passed by `now` and was not owed
    before (a reminder before the due date, the due date moved close) is done: it passed, nobody asked for
    an email after it. Instants owed before stay owed, late or not: their delivery is on its way.
    """
    old = load(stored, old_due_date)
    done = {r.instant for r in old if not r.pending and r.instant is not None}
    owed = {r.instant for r in old if r.pending}
    new_specs = specs if specs is not None else [r.spec for r in old]
    for spec in new_specs:
        instant = spec.instant(due_date)
        if instant is not None and instant <= now and instant not in owed:
            done.add(instant)
    return store(new_specs, due_date=due_date, done=done)


def mark_done(
    stored: Iterable[Mapping[str, Any]], *, due_date: datetime | None, instant: datetime
) -> ReminderColumns:
    """The columns once the reminder at `instant` was sent."""
    reminders = load(stored, due_date)
    done = {r.instant for r in reminders if r.instant is not None and (not r.pending or r.instant == instant)}
    return store([r.spec for r in reminders], due_date=due_date, done=done)


def carried(
    stored: Iterable[Mapping[str, Any]], *, from_due: datetime, to_due: datetime, now: datetime
) -> tuple[list[ReminderSpec], set[datetime]]:
    """A series' reminders carried to its next occurrence, and the instants among them already passed at
    `now` (done: no email for a moment gone by). Those before the due date stay as they were; one at an
    instant moves with the due date."""
    specs = [
        r.spec if r.spec.at is None else ReminderSpec(at=r.spec.at + (to_due - from_due))
        for r in load(stored, from_due)
    ]
    instants = (spec.instant(to_due) for spec in specs)
    return specs, {instant for instant in instants if instant is not None and instant <= now}


def iso_duration(value: timedelta) -> str:
    """An ISO 8601 duration as short as it gets: PT15M, P1D, P1DT2H30M, PT0S."""
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if not days and not time:
        return "PT0S"
    return f"P{f'{days}D' if days else ''}{f'T{time}' if time else ''}"


def reminders_output(stored: Iterable[Mapping[str, Any]], due_date: datetime | None) -> list[dict[str, Any]]:
    """The API's `reminders`: each reminder's instant, its offset before the due date, whether it is owed."""
    return [
        {
            "at": None if r.instant is None else _iso(r.instant),
            "before_due": None if r.spec.before_due is None else iso_duration(r.spec.before_due),
            "pending": r.pending,
        }
        for r in load(stored, due_date)
    ]
