"""The user's wall clock: when-phrases turned into aware datetimes, from `now` in the user's IANA zone.

The choices made here (the table in tests/assistant_app/test_grammar.py holds them to it):

- A day without a time of day is at DEFAULT_TIME, 09:00 local; "morning" is 09:00, "noon" 12:00, "afternoon"
  15:00, "evening" 19:00, "tonight" 20:00. A clock time without am/pm ("at 8") is read on the 24-hour
  clock, except "tonight", "in the evening" or "in the afternoon", where it is after noon.
- A time of day without a day is the next such time: today's if it is still ahead, else tomorrow's.
- Days are read by dateparser (English, dates preferred in the future) relative to the user's wall clock:
  a weekday name is the next such day after today ("friday" said on a Friday is a week later), "in 3
  days" a calendar day. A day and month without a year is the next such day on the calendar, today
  included: "29 Feb" said in 2027 is 2028-02-29.
- "in 2 hours", "in 30 minutes", "in 45 seconds" are exact durations after `now`, whatever the clocks
  do meanwhile.
- A wall time the clocks skip (the spring-forward gap) is the end of the gap; a wall time they repeat (fall
  back) is its first reading. `recurrence_app` reads a series' wall times the same way.

dateparser is given no TIMEZONE: RELATIVE_BASE is already the user's wall-clock `now` and only the calendar
day it reads is used; zoneinfo makes the instant, so DST is handled in one place. (dateparser's own zone
handling, through pytz, also refuses some names zoneinfo knows, such as "Factory".)
"""

from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser
from dateutil.rrule import rrulestr

from assistant_app.phrases import DayPhrase, PhraseError, WhenPhrase
from tasks_app.timezones import local_instant

DEFAULT_TIME = time(9, 0)
PARTS_OF_DAY = {"morning": time(9), "afternoon": time(15), "evening": time(19), "tonight": time(20)}
AFTERNOON_PARTS = {"afternoon", "evening", "tonight"}


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The aware datetime, in `zone`, of a naive wall time: its first reading if repeated, the end of the gap
    if skipped."""
    return local_instant(wall, zone).astimezone(zone)


@dataclass(frozen=True)
class Clock:
    """`now` (aware) as the user sees it, in `zone`."""

    now: datetime
    zone: ZoneInfo

    @property
    def wall_now(self) -> datetime:
        """The user's naive wall-clock time now."""
        return self.now.astimezone(self.zone).replace(tzinfo=None)

    @property
    def today(self) -> date:
        return self.wall_now.date()

    def at(self, day: date, time_of_day: time) -> datetime:
        """`time_of_day` on `day`, local, as an aware datetime in the user's zone."""
        try:
            return _instant(datetime.combine(day, time_of_day), self.zone)
        except OverflowError:
            raise PhraseError(f"{day.isoformat()} is too far away for a date.") from None

    def time_of(self, phrase: WhenPhrase) -> time:
        """The time of day a phrase says, or DEFAULT_TIME."""
        if phrase.clock is None:
            return PARTS_OF_DAY.get(phrase.part_of_day or "", DEFAULT_TIME)
        if phrase.bare_hour and phrase.part_of_day in AFTERNOON_PARTS and phrase.clock.hour < 12:
            return phrase.clock.replace(hour=phrase.clock.hour + 12)
        return phrase.clock

    def day_of(self, day: DayPhrase) -> date:
        """The calendar day a day phrase says."""
        settings = {
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": self.wall_now,
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        parsed: datetime | None = dateparser.parse(day.text, languages=["en"], settings=settings)
        if parsed is None:
            raise PhraseError(f'I could not read "{day.text}" as a date.')
        if not day.yearless:
            return parsed.date()
        this_year = (parsed.month, parsed.day) >= (self.today.month, self.today.day)
        year = self.today.year if this_year else self.today.year + 1
        while (parsed.month, parsed.day) == (2, 29) and not isleap(year):
            year += 1
        return date(year, parsed.month, parsed.day)

    def resolve(self, phrase: WhenPhrase, *, on_day: date | None = None) -> datetime:
        """The instant a when-phrase says. A time of day alone falls on `on_day` if given (a reminder's "at
        8am" on the due date's day), else at its next coming."""
        if phrase.offset is not None:
            return (self.now + phrase.offset).astimezone(self.zone)
        time_of_day = self.time_of(phrase)
        if phrase.day is not None:
            return self.at(self.day_of(phrase.day), time_of_day)
        if on_day is not None:
            return self.at(on_day, time_of_day)
        today = self.at(self.today, time_of_day)
        return today if today > self.now else self.at(self.today + timedelta(days=1), time_of_day)

    def first_occurrence(self, rule: str, time_of_day: time) -> datetime:
        """The first occurrence of a recurring rule (an RRULE body) run on the user's wall clock from the next
        `time_of_day` (today's if still ahead, else tomorrow's): "every other day" said after 09:00 starts
        tomorrow, "every Monday" on the coming Monday."""
        start = self.resolve(WhenPhrase(0, 0, clock=time_of_day))
        walls = rrulestr(rule, dtstart=datetime.combine(start.date(), time_of_day))
        return next(instant for wall in walls if (instant := _instant(wall, self.zone)) >= start)
