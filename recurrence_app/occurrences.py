"""Next occurrence of a recurring task: its stored pattern evaluated on the wall clock of the task's zone.

Pure computation (no database, no Kafka); the worker that creates the next task of a series calls it.

Choices this module makes, so that every caller gets the same answer:

- The rule runs on local wall-clock time in the given IANA zone: a DAILY task at 09:00 in New York stays at
  09:00 local across DST changes, so its UTC instant moves by an hour. BYDAY, BYMONTHDAY and the like are
  decided by the local date, never by the UTC date.
- A local time that does not exist (the spring-forward gap, e.g. 02:30 on 2026-03-08 in New York) moves
  forward to the first valid instant after the gap (03:00 local, 07:00 UTC).
- A local time that happens twice (fall back, e.g. 01:30 on 2026-11-01 in New York) is the first of the two
  (fold=0, still on summer time: 05:30 UTC), unless that first reading lies before `series_start` (the
  series began inside the repeated hour), in which case it is the second. A consequence of wall-clock rules:
  an HOURLY series visits the repeated hour once.
- As RFC 5545 says, `series_start` is always the first occurrence and counts towards COUNT, even when it does
  not match the rule (dateutil alone would skip an unmatched start). COUNT counts the whole series.
- UNTIL is inclusive. `UNTIL=...Z` (or with an offset) is an instant; a date-time without a zone is local wall
  time; a date (`UNTIL=20260401`) means up to the end of that local day (dateutil alone would stop at its
  midnight).
- A rule with no occurrence up to a century past `after` (or past the start, if later) counts as ended.
  dateutil checks that bound only on days the rule matches, so a rule that can never match would still be
  scanned up to the year 9999 (seconds of CPU): `check_pattern` refuses the ones that can be recognised
  (30 February, the sixth Monday of a month, out-of-range values) before they are stored.
"""

from collections.abc import Iterator
from datetime import MAXYEAR, UTC, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from tasks_app.recurrence_rules import SHORTHANDS, InvalidPatternError, check_pattern
from tasks_app.timezones import local_instant

HORIZON_YEARS = 100
# A zone's UTC offset stays well within one day (-12h..+14h today, under 16h in any historical LMT), so a
# candidate whose wall time is two days before the wall time of `after` is certainly not after `after`.
SEARCH_MARGIN = timedelta(days=2)


def next_occurrence(
    *,
    pattern: str,
    series_start: datetime,
    after: datetime,
    timezone: str,
    end: datetime | None = None,
) -> datetime | None:
    """Return the first occurrence of the series strictly after `after`, in UTC, or None once it has ended.

    `pattern` is a shorthand (DAILY, WEEKLY, MONTHLY, YEARLY) or an RRULE body such as
    `FREQ=MONTHLY;BYDAY=-1FR`; `series_start` is the first occurrence of the whole series (the rule's
    DTSTART); `timezone` is the IANA zone whose wall clock the rule follows; `end`, when given, is the last
    instant (inclusive) an occurrence may have. All datetimes must be aware. Raises `InvalidPatternError`
    for a pattern that cannot be built into a rule and `zoneinfo.ZoneInfoNotFoundError` for an unknown zone.
    """
    for name, value in (("series_start", series_start), ("after", after), ("end", end)):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime")
    zone = ZoneInfo(timezone)
    body, count, until = _split_pattern(pattern)
    # dateutil works in whole seconds (it drops the microseconds of DTSTART); so does the series.
    start = series_start.astimezone(UTC).replace(microsecond=0)
    start_wall = _wall_time(start, zone)
    last_instant, last_wall = _until_limits(until, zone)
    if end is not None:
        last_instant = end if last_instant is None else min(last_instant, end)

    # The rule's own UNTIL bounds dateutil's iteration, so that a rule that never matches cannot spin on.
    horizon = datetime(  # noqa: DTZ001 - a wall-clock bound for dateutil, which compares naive local times
        min(max(start_wall, _wall_time(after, zone)).year + HORIZON_YEARS, MAXYEAR), 12, 31, 23, 59, 59
    )
    if last_instant is not None:
        horizon = min(horizon, _wall_time(last_instant, zone) + SEARCH_MARGIN)
    if last_wall is not None:
        horizon = min(horizon, last_wall)
    walls = _series_walls(_build_rule(body, start_wall, horizon), start_wall)
    if count is not None:
        walls = islice(walls, max(count, 0))

    search_from = _wall_time(after, zone) - SEARCH_MARGIN
    for wall in walls:
        if wall < search_from:
            continue
        if last_wall is not None and wall > last_wall:
            return None
        instant = start if wall == start_wall else local_instant(wall, zone)
        if instant < start:
            # Only the first reading of a repeated local time can fall before a start in the repeated hour.
            instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
        if last_instant is not None and instant > last_instant:
            return None
        # Wall times grow and their instants never shrink, so the first one past `after` is the answer.
        if instant > after:
            return instant
    return None


def next_occurrence_from_completion(
    *,
    pattern: str,
    completed_at: datetime,
    time_of_day_of: datetime,
    after: datetime,
    timezone: str,
    end: datetime | None = None,
) -> datetime | None:
    """The next occurrence of a series repeated from completion ("every 3 days after I water the plants").

    The rule starts again on the local day of `completed_at`, at the local time of day of `time_of_day_of`
    (the series' first occurrence), and the answer is its first occurrence strictly after that start, the
    completion and `after`: completed on Monday evening or Monday morning, a 3-day rule at 09:00 gives
    Thursday 09:00. UNTIL and `end` still end the series; COUNT would restart with every completion, so the
    API refuses it with this anchor.
    """
    zone = ZoneInfo(timezone)
    start_wall = datetime.combine(
        _wall_time(completed_at, zone).date(), _wall_time(time_of_day_of, zone).time()
    )
    start = local_instant(start_wall, zone)
    return next_occurrence(
        pattern=pattern,
        series_start=start,
        after=max(start, completed_at, after),
        timezone=timezone,
        end=end,
    )


def _split_pattern(pattern: str) -> tuple[str, int | None, str | None]:
    """The rule body without COUNT and UNTIL, which this module applies itself, and those two values."""
    normal = check_pattern(pattern)
    if normal in SHORTHANDS:
        normal = f"FREQ={normal}"
    parts = {name: value for name, _, value in (item.partition("=") for item in normal.split(";"))}
    count_text, until = parts.pop("COUNT", None), parts.pop("UNTIL", None)
    try:
        count = None if count_text is None else int(count_text)
    except ValueError as error:
        raise InvalidPatternError(f"COUNT={count_text} is not a number") from error
    return ";".join(f"{name}={value}" for name, value in parts.items()), count, until


def _until_limits(until: str | None, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """UNTIL as (last instant, last local wall time), one of them set, both inclusive."""
    if until is None:
        return None, None
    try:
        value = datetime.fromisoformat(until)
    except ValueError as error:
        raise InvalidPatternError(f"UNTIL={until} is neither a date nor a date-time") from error
    if value.utcoffset() is not None:
        return value.astimezone(UTC), None
    if "T" not in until:
        return None, datetime.combine(value.date(), time.max)
    return None, value


def _build_rule(body: str, start_wall: datetime, until_wall: datetime) -> rrule:
    try:
        rule = rrulestr(body, dtstart=start_wall, cache=False)
        if isinstance(rule, rrule):
            return rule.replace(until=until_wall)
    except (ValueError, TypeError) as error:
        raise InvalidPatternError(f"not a valid RRULE: {error}") from error
    raise InvalidPatternError(f"'{body}' is not a single RRULE")


def _series_walls(rule: rrule, start_wall: datetime) -> Iterator[datetime]:
    """The local wall times of the series in order: the start, then the rule's occurrences after it."""
    yield start_wall
    for wall in rule:
        if wall != start_wall:
            yield wall


def _wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock time of an aware instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)
