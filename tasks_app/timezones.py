"""IANA time zone names (which ones this server knows), and reading a local wall time as an instant."""

import zoneinfo
from datetime import UTC, datetime
from functools import cache


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in _known_zones()


def known_timezones() -> list[str]:
    """Every name `is_valid_timezone` accepts, sorted (the schema's enum)."""
    return sorted(_known_zones())


def local_instant(wall: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of the naive wall time `wall` in `zone`: its first reading when the clocks show it
    twice (fall back), the first instant after the jump when they skip it (spring forward: 02:30 on
    2026-03-08 in New York is 03:00 local, 07:00 UTC)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(fold=0):
        return first
    # In a gap, fold=1 reads `wall` with the offset after the jump (an instant before it) and fold=0 with the
    # offset before (an instant after it); zoneinfo does not expose its transitions, so bisect on whole
    # seconds between the two (transitions fall on whole seconds; a day-long jump takes 17 steps).
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp()) - 1
    high = int(wall.replace(tzinfo=zone, fold=0).timestamp()) + 1
    offset_before = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)
