"""IANA time zone names: which ones this server knows."""

import zoneinfo
from functools import cache


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in _known_zones()


def known_timezones() -> list[str]:
    """Every name `is_valid_timezone` accepts, sorted (the schema's enum)."""
    return sorted(_known_zones())
