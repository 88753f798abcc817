"""`next_occurrence`: exact answers for calendar and DST corner cases, then properties over random rules."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from recurrence_app.occurrences import next_occurrence
from tasks_app.recurrence_rules import SHORTHANDS, InvalidPatternError

NEW_YORK = "America/New_York"  # 2026: spring forward 8 March 02:00, fall back 1 November 02:00
HONOLULU = "Pacific/Honolulu"  # UTC-10 all year
KIRITIMATI = "Pacific/Kiritimati"  # UTC+14 all year
WORK_WEEK = "MO,TU,WE,TH,FR"


def moment(text: str, zone: str) -> datetime:
    """`2026-01-05 09:00` is wall time in `zone` (the first reading if it repeats); `...Z` is UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# A table reads best one case per two lines, which the formatter would spread over eight.
# fmt: off
CASES = [
    # id; pattern, zone, series start, after (local in the zone unless ...Z), expected UTC or None, end
    # -- shorthands and plain rules
    ("daily, after is an occurrence: the next one",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-05 09:00", "2026-01-06 09:00", None),
    ("daily, after between two occurrences",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-05 12:00", "2026-01-06 09:00", None),
    ("weekly keeps the weekday",
     "WEEKLY", "Europe/Berlin", "2026-01-05 09:00", "2026-01-05 09:00", "2026-01-12 08:00", None),
    ("monthly keeps 09:00 local into summer time",
     "MONTHLY", "Europe/London", "2026-03-15 09:00", "2026-03-15 09:00", "2026-04-15 08:00", None),
    ("yearly",
     "YEARLY", "Asia/Tokyo", "2026-03-10 09:00", "2026-03-10 09:00", "2027-03-10 00:00", None),
    ("a pattern check_pattern normalises is accepted",
     "rrule:freq=weekly;byday=mo", "UTC", "2026-01-05 09:00", "2026-01-05 09:00", "2026-01-12 09:00", None),
    ("every other day",
     "FREQ=DAILY;INTERVAL=2", "UTC", "2026-01-05 09:00", "2026-01-06 09:00", "2026-01-07 09:00", None),
    ("every other week",
     "FREQ=WEEKLY;INTERVAL=2", "UTC", "2026-01-05 09:00", "2026-01-05 09:00", "2026-01-19 09:00", None),
    ("Monday, Wednesday, Friday: from Wednesday to Friday",
     "FREQ=WEEKLY;BYDAY=MO,WE,FR", "UTC", "2026-01-05 09:00", "2026-01-07 09:00", "2026-01-09 09:00", None),
    ("Monday, Wednesday, Friday: from Friday to Monday",
     "FREQ=WEEKLY;BYDAY=MO,WE,FR", "UTC", "2026-01-05 09:00", "2026-01-09 09:00", "2026-01-12 09:00", None),
    ("Monday and Friday every other week",
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", "UTC", "2026-01-05 09:00", "2026-01-09 09:00", "2026-01-19 09:00",
     None),
    # -- month ends and leap days
    ("last Friday of the month",
     "FREQ=MONTHLY;BYDAY=-1FR", "UTC", "2026-01-30 18:00", "2026-01-30 18:00", "2026-02-27 18:00", None),
    ("last day of the month: February",
     "FREQ=MONTHLY;BYMONTHDAY=-1", "UTC", "2026-01-31 09:00", "2026-01-31 09:00", "2026-02-28 09:00", None),
    ("last day of the month: after February",
     "FREQ=MONTHLY;BYMONTHDAY=-1", "UTC", "2026-01-31 09:00", "2026-02-28 09:00", "2026-03-31 09:00", None),
    # RFC 5545 (and dateutil) skip a month that has no such day: no clamping to 28 February or 30 April.
    ("monthly from 31 January skips February",
     "MONTHLY", "UTC", "2026-01-31 09:00", "2026-01-31 09:00", "2026-03-31 09:00", None),
    ("monthly from 31 January skips April",
     "MONTHLY", "UTC", "2026-01-31 09:00", "2026-03-31 09:00", "2026-05-31 09:00", None),
    ("yearly from 29 February waits for the next leap year",
     "YEARLY", "UTC", "2024-02-29 09:00", "2024-02-29 09:00", "2028-02-29 09:00", None),
    ("last weekday of the month: 28 February 2026 is a Saturday",
     f"FREQ=MONTHLY;BYDAY={WORK_WEEK};BYSETPOS=-1", "UTC", "2026-01-30 09:00", "2026-01-30 09:00",
     "2026-02-27 09:00", None),
    ("last weekday of the month: 31 May 2026 is a Sunday",
     f"FREQ=MONTHLY;BYDAY={WORK_WEEK};BYSETPOS=-1", "UTC", "2026-01-30 09:00", "2026-05-01 09:00",
     "2026-05-29 09:00", None),
    # -- the end of a series: COUNT, UNTIL, end
    ("COUNT=3: the third",
     "FREQ=DAILY;COUNT=3", "UTC", "2026-01-05 09:00", "2026-01-06 09:00", "2026-01-07 09:00", None),
    ("COUNT=3: exhausted",
     "FREQ=DAILY;COUNT=3", "UTC", "2026-01-05 09:00", "2026-01-07 09:00", None, None),
    ("COUNT counts from the series start, not from after",
     "FREQ=WEEKLY;COUNT=2", "UTC", "2026-01-05 09:00", "2026-01-12 10:00", None, None),
    # RFC 5545: the start is the first occurrence even off the rule (dateutil alone gives Mondays only).
    ("COUNT includes a start off the rule's weekdays",
     "FREQ=WEEKLY;BYDAY=MO;COUNT=2", "UTC", "2026-01-06 09:00", "2026-01-06 09:00", "2026-01-12 09:00", None),
    ("COUNT includes a start off the rule's weekdays: exhausted",
     "FREQ=WEEKLY;BYDAY=MO;COUNT=2", "UTC", "2026-01-06 09:00", "2026-01-12 09:00", None, None),
    ("UNTIL in UTC is inclusive",
     "FREQ=DAILY;UNTIL=20260108T140000Z", NEW_YORK, "2026-01-05 09:00", "2026-01-07 09:00",
     "2026-01-08 14:00", None),
    ("UNTIL in UTC one second before the occurrence",
     "FREQ=DAILY;UNTIL=20260108T135959Z", NEW_YORK, "2026-01-05 09:00", "2026-01-07 09:00", None, None),
    ("UNTIL in UTC passed",
     "FREQ=DAILY;UNTIL=20260108T140000Z", NEW_YORK, "2026-01-05 09:00", "2026-01-08 09:00", None, None),
    ("UNTIL as a date includes the whole local day",
     "FREQ=DAILY;UNTIL=20260108", NEW_YORK, "2026-01-05 09:00", "2026-01-07 09:00", "2026-01-08 14:00", None),
    ("UNTIL as a date passed",
     "FREQ=DAILY;UNTIL=20260108", NEW_YORK, "2026-01-05 09:00", "2026-01-08 09:00", None, None),
    ("UNTIL as a date is a local date, not a UTC date",
     "FREQ=DAILY;UNTIL=20260108", HONOLULU, "2026-01-05 23:30", "2026-01-07 23:30", "2026-01-09 09:30", None),
    ("UNTIL as a local date-time",
     "FREQ=DAILY;UNTIL=20260108T090000", NEW_YORK, "2026-01-05 09:00", "2026-01-07 09:00",
     "2026-01-08 14:00", None),
    ("end is inclusive",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-06 09:00", "2026-01-07 09:00", "2026-01-07 09:00:00Z"),
    ("end one second before the next occurrence",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-06 09:00", None, "2026-01-07 08:59:59Z"),
    ("end before the series start",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-01 09:00", None, "2026-01-04 00:00:00Z"),
    # -- daylight saving time in New York
    ("09:00 local the day before spring forward (EST)",
     "DAILY", NEW_YORK, "2026-03-06 09:00", "2026-03-06 09:00", "2026-03-07 14:00", None),
    ("09:00 local on the day of spring forward (EDT)",
     "DAILY", NEW_YORK, "2026-03-06 09:00", "2026-03-07 09:00", "2026-03-08 13:00", None),
    ("09:00 local on the day of fall back (EST)",
     "DAILY", NEW_YORK, "2026-10-30 09:00", "2026-10-31 09:00", "2026-11-01 14:00", None),
    ("02:30 does not exist on 8 March: 03:00 local",
     "DAILY", NEW_YORK, "2026-03-06 02:30", "2026-03-07 02:30", "2026-03-08 07:00", None),
    ("02:30 again the day after the gap",
     "DAILY", NEW_YORK, "2026-03-06 02:30", "2026-03-08 07:00Z", "2026-03-09 06:30", None),
    ("01:30 happens twice on 1 November: the first (EDT)",
     "DAILY", NEW_YORK, "2026-10-30 01:30", "2026-10-31 01:30", "2026-11-01 05:30", None),
    ("the second 01:30 is not another occurrence",
     "DAILY", NEW_YORK, "2026-10-30 01:30", "2026-11-01 05:30Z", "2026-11-02 06:30", None),
    ("hourly on the wall clock visits the repeated hour once",
     "FREQ=HOURLY", NEW_YORK, "2026-11-01 00:00", "2026-11-01 05:00Z", "2026-11-01 07:00", None),
    ("a series started in the repeated hour never goes back before its start",
     "FREQ=HOURLY;BYMINUTE=0,45", NEW_YORK, "2026-11-01 06:30Z", "2026-11-01 06:30Z", "2026-11-01 06:45",
     None),
    # -- far from UTC the local date decides
    ("Kiritimati: Monday 00:30 local is a Sunday in UTC",
     "FREQ=WEEKLY;BYDAY=MO", KIRITIMATI, "2026-01-05 00:30", "2026-01-05 00:30", "2026-01-11 10:30", None),
    ("Kiritimati: weekdays just after local midnight, Friday to Monday",
     f"FREQ=DAILY;BYDAY={WORK_WEEK}", KIRITIMATI, "2026-01-09 00:15", "2026-01-09 00:15", "2026-01-11 10:15",
     None),
    ("Honolulu: Friday 23:30 local is a Saturday in UTC",
     "FREQ=WEEKLY;BYDAY=FR", HONOLULU, "2026-01-02 23:30", "2026-01-02 23:30", "2026-01-10 09:30", None),
    ("Honolulu: the last day of the month at 22:00 local is the 1st in UTC",
     "FREQ=MONTHLY;BYMONTHDAY=-1", HONOLULU, "2026-01-31 22:00", "2026-01-31 22:00", "2026-03-01 08:00",
     None),
    # -- completed late: the next occurrence after now, never one in the past
    ("daily, three days late",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-08 15:00", "2026-01-09 09:00", None),
    ("weekly, three weeks late",
     "WEEKLY", "UTC", "2026-01-05 09:00", "2026-01-27 10:00", "2026-02-02 09:00", None),
    ("monthly, three months late",
     "MONTHLY", "UTC", "2026-01-15 09:00", "2026-04-20 09:00", "2026-05-15 09:00", None),
    ("after before the series start: the start itself",
     "DAILY", "UTC", "2026-01-05 09:00", "2026-01-01 00:00", "2026-01-05 09:00", None),
]
# fmt: on


@pytest.mark.parametrize(
    ("pattern", "zone", "series_start", "after", "expected", "end"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_next_occurrence(pattern, zone, series_start, after, expected, end):
    result = next_occurrence(
        pattern=pattern,
        series_start=moment(series_start, zone),
        after=moment(after, zone),
        timezone=zone,
        end=None if end is None else datetime.fromisoformat(end),
    )

    assert result == (None if expected is None else utc(expected))
    if result is not None:
        assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "SOMETIMES",
        "FREQ=FORTNIGHTLY",
        "FREQ=DAILY;BYDAY=XX",
        "FREQ=DAILY;UNTIL=SOON",
        "FREQ=DAILY;COUNT=3;UNTIL=20260108T140000Z",
        "DAILY;UNTIL=20260108",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # never matches: refused rather than scanned for
        "FREQ=DAILY;INTERVAL=0",  # never advances
        "FREQ=DAILY;UNTIL=20260401T250000Z",
    ],
)
def test_a_pattern_that_cannot_be_built_is_rejected(pattern):
    with pytest.raises(InvalidPatternError):
        next_occurrence(
            pattern=pattern,
            series_start=utc("2026-01-05 09:00"),
            after=utc("2026-01-05 09:00"),
            timezone="UTC",
        )


def test_a_naive_datetime_is_rejected():
    naive = datetime(2026, 1, 5, 9)  # noqa: DTZ001 - the mistake under test
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(pattern="DAILY", series_start=utc("2026-01-05 09:00"), after=naive, timezone="UTC")


# -- properties over random rules, zones and times
ZONES = [
    "UTC",
    NEW_YORK,
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # a half-hour DST shift
    KIRITIMATI,
    HONOLULU,
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/Sao_Paulo",  # changed clocks at midnight until 2019
    "Pacific/Apia",  # skipped 30 December 2011 entirely
    "Pacific/Chatham",
]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def patterns(draw):
    freq = draw(st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    interval = draw(st.integers(1, 4))
    days = draw(st.none() | st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True))
    if interval == 1 and days is None and freq != "HOURLY":
        return freq  # the shorthand
    parts = [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    if days:
        if freq in {"MONTHLY", "YEARLY"} and draw(st.booleans()):
            days = [f"{draw(st.sampled_from([1, 2, -1]))}{day}" for day in days]
        parts.append("BYDAY=" + ",".join(days))
    return ";".join(parts)


def wall_time(instant, zone):
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def skipped(wall, zone):
    """The instants just before and after the clock jump that skipped `wall`, or None if `wall` exists."""
    readings = sorted(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    if any(wall_time(reading, zone) == wall for reading in readings):
        return None
    return readings[0], readings[1]


def documented_instant(wall, zone, series_start):
    """The module's documented reading of a wall time, found by brute force rather than by bisection."""
    if wall == wall_time(series_start, zone):
        return series_start
    gap = skipped(wall, zone)
    if gap is not None:  # minute by minute to the first instant on the offset after the jump
        instant = gap[0].replace(second=0)
        offset_before = instant.astimezone(zone).utcoffset()
        while instant.astimezone(zone).utcoffset() == offset_before:
            instant += timedelta(minutes=1)
        return instant
    readings = [wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    return next(
        reading for reading in readings if wall_time(reading, zone) == wall and reading >= series_start
    )


def rule_walls(pattern, start_wall, low, high):
    """The series' local wall times in [low, high], regenerated with dateutil; the start always belongs."""
    rule = rrulestr(f"FREQ={pattern}" if pattern in SHORTHANDS else pattern, dtstart=start_wall)
    walls = set(rule.between(low, high, inc=True))
    if low <= start_wall <= high:
        walls.add(start_wall)
    return walls


def offset_changes(zone_name):
    """The instants (to the minute) at which the zone's UTC offset changed between 2010 and 2031."""
    zone = ZoneInfo(zone_name)
    changes = []
    instant, stop = datetime(2010, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
    while instant < stop:
        step = instant + timedelta(hours=12)
        if step.astimezone(zone).utcoffset() != instant.astimezone(zone).utcoffset():
            low, high = instant, step
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(high.replace(second=0, microsecond=0))
        instant = step
    return changes


OFFSET_CHANGES = {zone_name: offset_changes(zone_name) for zone_name in ZONES}


@st.composite
def scenarios(draw):
    """(zone, series start, after): anywhere in 2010-2030, or (half the time) aimed at a clock change."""
    zone_name = draw(st.sampled_from(ZONES))
    changes = OFFSET_CHANGES[zone_name]
    if not changes or draw(st.booleans()):
        series_start = draw(
            st.datetimes(
                min_value=datetime(2010, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
                max_value=datetime(2030, 12, 31),  # noqa: DTZ001 - hypothesis takes naive bounds
                timezones=st.just(UTC),
            )
        ).replace(microsecond=0)
        # Whole days land exactly on occurrences of daily-ish rules, which tests "strictly after".
        after_offset = draw(
            st.one_of(
                st.integers(-3, 400).map(lambda days: timedelta(days=days)),
                st.integers(-3 * 1440, 400 * 1440).map(lambda minutes: timedelta(minutes=minutes)),
            )
        )
        return zone_name, series_start, series_start + after_offset
    # A series whose local time of day falls in (or next to) the skipped or repeated hour, some days
    # before the change, and an `after` shortly before it: its next occurrence meets the change.
    zone = ZoneInfo(zone_name)
    change = draw(st.sampled_from(changes))
    wall = wall_time(change - timedelta(minutes=draw(st.integers(-90, 90))), zone)
    wall -= timedelta(days=draw(st.integers(0, 60)))
    series_start = wall.replace(tzinfo=zone, fold=draw(st.integers(0, 1))).astimezone(UTC)
    after = change - timedelta(minutes=draw(st.integers(-180, 3 * 1440)))
    return zone_name, series_start, after


@settings(max_examples=200, deadline=None)
@given(
    pattern=patterns(),
    scenario=scenarios(),
    end_offset=st.none() | st.integers(0, 90 * 1440).map(lambda minutes: timedelta(minutes=minutes)),
)
def test_the_result_is_the_first_occurrence_after(pattern, scenario, end_offset):
    zone_name, series_start, after = scenario
    zone = ZoneInfo(zone_name)
    end = None if end_offset is None else after + end_offset

    result = next_occurrence(
        pattern=pattern, series_start=series_start, after=after, timezone=zone_name, end=end
    )

    upper = result if result is not None else end
    assert upper is not None, "these rules never end by themselves"
    margin = timedelta(days=3)
    low, high = wall_time(after, zone) - margin, wall_time(upper, zone) + margin
    walls = rule_walls(pattern, wall_time(series_start, zone), low, high)
    instants = {documented_instant(wall, zone, series_start) for wall in walls}
    if result is None:
        assert not {instant for instant in instants if after < instant <= end}
        return
    assert result > after
    assert end is None or result <= end
    # An occurrence: its wall time is one of the rule's, or it ends a gap that swallowed one of them.
    gaps = [gap for gap in (skipped(wall, zone) for wall in walls) if gap is not None]
    assert wall_time(result, zone) in walls or any(before < result <= later for before, later in gaps)
    assert result in instants
    assert not {instant for instant in instants if after < instant < result}
