"""Recurring patterns: the shorthand names and RFC 5545 RRULEs a task may carry, checked and normalised.

Lives in `tasks_app` because the API validates patterns on write; `recurrence_app` builds on it to compute
occurrences (it may import `tasks_app`, never the other way round).
"""

import re
from datetime import datetime

from dateutil.rrule import rrulestr

SHORTHANDS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# A todo list is no place for a rule that fires every second or minute: it would flood the system.
DISALLOWED_FREQUENCIES = {"SECONDLY", "MINUTELY"}
# Parts that would fight with the task's own anchor (its due date in its time zone).
DISALLOWED_PARTS = {"DTSTART", "TZID"}
UNTIL_FORMAT = re.compile(r"^\d{8}(T\d{6}Z?)?$")
# Integer parts and the values RFC 5545 allows them (dateutil takes more and then loops or fails at run
# time: INTERVAL=0 never advanced). A list part may also be negative, counting from the end, never 0.
BOUNDS = {
    "INTERVAL": (1, 1000, False),
    "COUNT": (1, 10_000, False),
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
    "BYHOUR": (0, 23, False),
    "BYMINUTE": (0, 59, False),
    "BYSECOND": (0, 59, False),
}
DAYS_IN_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
BYDAY_ITEM = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


class InvalidPatternError(ValueError):
    """The pattern is neither a shorthand nor a valid RRULE; the message says why."""


def _parts(rule_text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule_text.split(";"):
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise InvalidPatternError(f"'{item}' is not NAME=VALUE")
        name = name.strip().upper()
        if name in parts:
            raise InvalidPatternError(f"{name} is given twice")
        parts[name] = value.strip().upper()
    return parts


def _integers(name: str, value: str) -> list[int]:
    low, high, from_the_end = BOUNDS[name]
    numbers = []
    for item in value.split(","):
        try:
            number = int(item)
        except ValueError:
            raise InvalidPatternError(f"{name}={value}: '{item}' is not a whole number") from None
        if not (low <= number <= high or (from_the_end and -high <= number <= -low)):
            allowed = f"{low} to {high}" + (f" or -{high} to -{low}" if from_the_end else "")
            raise InvalidPatternError(f"{name}={value}: each value must be {allowed}")
        numbers.append(number)
    return numbers


def _check_values(parts: dict[str, str]) -> None:
    """Values dateutil would take but that make a rule that never fires, or fails when it is computed."""
    numbers = {name: _integers(name, value) for name, value in parts.items() if name in BOUNDS}
    if len(numbers.get("INTERVAL", [1])) > 1 or len(numbers.get("COUNT", [1])) > 1:
        raise InvalidPatternError("INTERVAL and COUNT take one number")
    months = numbers.get("BYMONTH", list(DAYS_IN_MONTH))
    longest = max(DAYS_IN_MONTH[month] for month in months)
    month_days = numbers.get("BYMONTHDAY", [])
    if month_days and all(abs(day) > longest for day in month_days):
        raise InvalidPatternError(f"BYMONTHDAY={parts['BYMONTHDAY']} never falls in the months given")
    if "BYDAY" in parts:
        limit = 5 if parts.get("FREQ") == "MONTHLY" else 53
        for item in parts["BYDAY"].split(","):
            match = BYDAY_ITEM.match(item)
            if match is None:
                raise InvalidPatternError(f"BYDAY={parts['BYDAY']}: '{item}' is not a weekday like MO or 2TU")
            if match.group(1) is not None and not 1 <= abs(int(match.group(1))) <= limit:
                raise InvalidPatternError(f"BYDAY={parts['BYDAY']}: '{item}' has no such weekday")
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        if not UNTIL_FORMAT.match(until):
            raise InvalidPatternError("UNTIL must be a date (20261231) or a UTC date-time (20261231T090000Z)")
        try:
            datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S" if "T" in until else "%Y%m%d")  # noqa: DTZ007 - the text's validity only
        except ValueError as error:
            raise InvalidPatternError(f"UNTIL={until} is not a real date or time") from error


def check_pattern(pattern: str) -> str:
    """Validate a pattern and return its normal form: a shorthand, or `FREQ=...;...` in upper case."""
    text = pattern.strip()
    if text.upper() in SHORTHANDS:
        return text.upper()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text or "\n" in text or "\r" in text:
        raise InvalidPatternError("give one of DAILY, WEEKLY, MONTHLY, YEARLY or one RRULE line")
    parts = _parts(text)
    if "FREQ" not in parts:
        raise InvalidPatternError("an RRULE needs FREQ (e.g. FREQ=WEEKLY;BYDAY=MO)")
    if parts["FREQ"] in DISALLOWED_FREQUENCIES:
        raise InvalidPatternError(f"FREQ={parts['FREQ']} is not supported for tasks")
    if DISALLOWED_PARTS & parts.keys():
        raise InvalidPatternError("DTSTART and TZID come from the task's due date and time zone")
    if "UNTIL" in parts and "COUNT" in parts:
        raise InvalidPatternError("UNTIL and COUNT cannot be combined")
    _check_values(parts)
    # UNTIL is checked above: dateutil refuses a UTC UNTIL next to the naive start used for this check.
    body = ";".join(f"{name}={value}" for name, value in parts.items() if name != "UNTIL")
    try:
        rrulestr(body, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 - a syntax check on wall-clock time
    except (ValueError, TypeError) as error:
        raise InvalidPatternError(f"not a valid RRULE: {error}") from error
    return ";".join(f"{name}={value}" for name, value in parts.items())


def counts_occurrences(pattern: str) -> bool:
    """Whether a pattern in normal form (`check_pattern`'s) ends its series after COUNT occurrences."""
    return pattern not in SHORTHANDS and "COUNT" in _parts(pattern)
