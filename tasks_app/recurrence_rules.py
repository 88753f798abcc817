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


class InvalidPatternError(ValueError):
    """The pattern is neither a shorthand nor a valid RRULE; the message says why."""


def _parts(rule_text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule_text.split(";"):
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise InvalidPatternError(f"'{item}' is not NAME=VALUE")
        parts[name.strip().upper()] = value.strip().upper()
    return parts


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
    if "UNTIL" in parts and not UNTIL_FORMAT.match(parts["UNTIL"]):
        raise InvalidPatternError("UNTIL must be a date (20261231) or a UTC date-time (20261231T090000Z)")
    # UNTIL is checked above: dateutil refuses a UTC UNTIL next to the naive start used for this check.
    body = ";".join(f"{name}={value}" for name, value in parts.items() if name != "UNTIL")
    try:
        rrulestr(body, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 - a syntax check on wall-clock time
        if "UNTIL" in parts:
            datetime.strptime(parts["UNTIL"][:8], "%Y%m%d")  # noqa: DTZ007 - only the calendar date is checked
    except (ValueError, TypeError) as error:
        raise InvalidPatternError(f"not a valid RRULE: {error}") from error
    return ";".join(f"{name}={value}" for name, value in parts.items())
