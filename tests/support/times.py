"""Instants for tests: the API's and the events' ISO 8601 forms, moments a little ahead of now, and a clock
that moves only when told."""

from datetime import UTC, datetime, timedelta


def iso(at: datetime) -> str:
    """As the API writes instants: ISO 8601 in UTC with a `Z`."""
    return at.isoformat().replace("+00:00", "Z")


def iso_millis(at: datetime) -> str:
    """As events write instants: ISO 8601 in UTC to the millisecond, with a `Z`."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hours_ahead(hours: float) -> datetime:
    return (datetime.now(tz=UTC) + timedelta(hours=hours)).replace(microsecond=0)


def next_second_after(seconds: float) -> datetime:
    """A whole second at least `seconds` from now: reminders due then all fall in one delivery second."""
    return (datetime.now(tz=UTC) + timedelta(seconds=seconds)).replace(microsecond=0) + timedelta(seconds=1)


class FakeClock:
    """`now` and `sleep` for code that accepts them: time stands still but for `advance` and `sleep`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.at = start or datetime.now(tz=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
