"""The phrases the task assistant's grammar recognises inside a message, read as text with no clock.

Priorities (`!high`, "urgent", "low priority"), tags (`#home`), recurring patterns ("every 2 weeks on Mon
and Thu", turned into the RRULE `tasks_app` stores), reminders ("remind me 1 day before", "remind me at 8am")
and when-phrases ("tomorrow 5pm", "on 3 March at 14:30", "in 2 hours"). Each `take_*` function returns the
text with its phrases cut out (a space in their place) and what they said; `when_phrases` finds when-phrases
without cutting, so that a caller may choose among them. `assistant_app.clock` turns a `WhenPhrase` into an
instant; `assistant_app.grammar` puts the pieces together.

Month names count as a date only next to a day number ("3 May", "May 3rd"), and short weekday names only
after "on", "this" or "next" ("on sat"): titles such as "may report", "call mom" or "buy sun cream" keep
their words. Something that looks like one of these phrases but cannot be used (a tag too long, two
different priorities, "every week on the 15th") raises `PhraseError`, whose message is meant for the user.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Literal

from tasks_app.recurrence_rules import InvalidPatternError, check_pattern

type PriorityValue = Literal["low", "medium", "high"]
# The task's own limits (tasks_app.models.TAG_MAX_LENGTH, tasks_app.serializers.MAX_TAGS): the models cannot
# be imported before Django is set up, and this grammar needs no Django. The tests keep them equal.
TAG_MAX_LENGTH = 50
MAX_TAGS = 20

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": "MO", "mon": "MO", "tuesday": "TU", "tues": "TU", "tue": "TU", "wednesday": "WE", "wed": "WE",
    "thursday": "TH", "thurs": "TH", "thur": "TH", "thu": "TH", "friday": "FR", "fri": "FR",
    "saturday": "SA", "sat": "SA", "sunday": "SU", "sun": "SU",
}  # fmt: skip
WEEKDAY_ORDER = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FULL_WEEKDAY_NAMES = {code: name for name, code in WEEKDAYS.items() if name.endswith("day")}
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
PRIORITY_LEVELS: dict[str, PriorityValue] = {
    "low": "low", "medium": "medium", "normal": "medium", "high": "high", "top": "high", "urgent": "high",
}  # fmt: skip
# A while, by the unit's first letter: seconds, minutes, hours, days, weeks.
UNIT_LENGTHS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(days=7),
}
FREQUENCIES = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
ADVERBS = {
    "daily": ("day", 1), "weekly": ("week", 1), "fortnightly": ("week", 2), "biweekly": ("week", 2),
    "monthly": ("month", 1), "yearly": ("year", 1), "annually": ("year", 1),
}  # fmt: skip


def _any_of(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first (so that "thursday" wins over "thu")."""
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


START = r"(?<![\w#-])"  # a phrase starts a word (and is not part of a tag)
END = r"(?![\w-])"
NUMBER = rf"(?:[0-9]{{1,3}}|{_any_of(NUMBER_WORDS)})"
ANY_WEEKDAY = rf"(?:{_any_of(WEEKDAYS)})"
FULL_WEEKDAY = rf"(?:{_any_of(FULL_WEEKDAY_NAMES.values())})"
SHORT_WEEKDAY = rf"(?:{_any_of(name for name in WEEKDAYS if not name.endswith('day'))})"
MONTH = rf"(?:{_any_of(MONTHS)})"
DAY_OF_MONTH = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?"
CALENDAR_DATE = rf"(?:(?:the\s+)?{DAY_OF_MONTH}(?:\s+of)?\s+{MONTH}|{MONTH}\s+(?:the\s+)?{DAY_OF_MONTH})\b"
DAY_LIST = rf"{ANY_WEEKDAY}s?\b(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*){ANY_WEEKDAY}s?\b)*"

QUOTED = re.compile(r"\"(?P<double>[^\"]*)\"|(?<!\w)'(?P<single>[^']*)'(?!\w)")
PRIORITY = re.compile(
    rf"(?<!\S)!(?P<bang>low|medium|normal|high|urgent){END}"
    rf"|{START}(?:(?P<before>low|medium|normal|high|top)\s+priority"
    rf"|priority\s*:?\s*(?P<after>low|medium|normal|high|urgent)|(?P<word>urgent)){END}",
    re.IGNORECASE,
)
TAG = re.compile(r"(?<!\S)#(?P<tag>\w(?:[\w-]*\w)?)")
RECURRENCE = re.compile(
    rf"""{START}(?:
        (?:every|each)\s+(?P<working_days>weekday)|on\s+(?P<working_days_plural>weekdays)
      | (?:every|each)\s+(?P<weekend>weekend)|on\s+(?P<weekends>weekends)
      | (?:every|each)\s+(?P<days>{DAY_LIST})
      | (?:
            (?:every|each)\s+(?:(?P<count>{NUMBER}|other)\s+)?(?P<unit>day|week|month|year)s?
          | (?P<adverb>{_any_of(ADVERBS)})
        )(?:\s+on\s+(?:
            (?P<week_days>{DAY_LIST})
          | the\s+(?P<last_day>last)\s+day(?:\s+of\s+the\s+month)?
          | (?P<year_date>{CALENDAR_DATE})
          | the\s+(?P<month_day>{DAY_OF_MONTH})(?:\s+day)?(?:\s+of\s+the\s+month)?
        ))?
    ){END}""",
    re.IGNORECASE | re.VERBOSE,
)
REMIND_ME = re.compile(rf"(?:,\s*|{START}(?:and|then)\s+)?{START}remind\s+me{END}", re.IGNORECASE)
BEFORE_DUE = re.compile(
    rf"""\s*(?:
        (?P<amount>{NUMBER})\s*(?P<unit>seconds?|secs?|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)
      | (?P<half_hour>half\s+an\s+hour)
      | the\s+(?P<the_unit>day|week)
    )\s+(?:before|earlier|ahead|in\s+advance)(?:\s+(?:it(?:'s|\s+is)\s+due|it|that|the\s+deadline|due))?{END}""",
    re.IGNORECASE | re.VERBOSE,
)
REMINDER_SEPARATOR = re.compile(r"\s*,?\s*(?:and\s+|&\s*)", re.IGNORECASE)
WHEN_PART = re.compile(
    rf"""{START}(?:(?:due|on|by|for)\s+)*(?:
        (?P<relative_day>today|tomorrow|(?:the\s+)?day\s+after\s+tomorrow)
      | (?P<tonight>tonight)
      | (?:(?P<qualifier>this|next)\s+)?(?P<weekday>{FULL_WEEKDAY})
      | (?:(?P<short_qualifier>this|next|on)\s+)(?P<short_weekday>{SHORT_WEEKDAY})
      | in\s+(?P<period_amount>{NUMBER})\s+(?P<period_unit>day|week|month|year)s?
      | (?P<next_period>next\s+(?:week|month|year))
      | (?P<calendar_date>{CALENDAR_DATE})(?:,?\s+(?P<year>[0-9]{{4}}))?
      | (?P<iso_date>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})
      | (?:at\s+)?(?P<hour12>1[0-2]|0?[1-9])(?:[:.](?P<minute12>[0-5][0-9]))?\s*(?P<meridiem>[ap])\.?m\.?
      | (?:at\s+)?(?P<hour24>[01]?[0-9]|2[0-3]):(?P<minute24>[0-5][0-9])
      | at\s+(?P<bare_hour>[01]?[0-9]|2[0-3])(?![:.][0-9])
      | (?:at\s+)?(?P<noon>noon|midday)
      | (?:in\s+the\s+)?(?P<part_of_day>morning|afternoon|evening)
      | in\s+(?P<offset_amount>{NUMBER})\s*(?P<offset_unit>seconds?|secs?|minutes?|mins?|hours?|hrs?)
      | in\s+(?P<half_hour>half\s+an\s+hour)
    ){END}""",
    re.IGNORECASE | re.VERBOSE,
)
# What may stand between two parts of one when-phrase ("tomorrow at 5pm", "friday, 3pm").
WHEN_GAP = re.compile(r"\s*,?\s*")
TIDY_SPACES = re.compile(r"\s+")
TIDY_BEFORE_PUNCTUATION = re.compile(r"\s+([,;:.!?])")
TIDY_REPEATED_PUNCTUATION = re.compile(r"([,;:])(?:\s*[,;:])+")
# Left at either end once the phrases are cut out: punctuation, and words that joined them to the title.
TIDY_ENDS = re.compile(
    rf"^(?:[\s,;:.\-\u2013\u2014]|(?:and|then){END})+"
    rf"|(?:[\s,;:.\-\u2013\u2014]|{START}(?:and|then|on|at|by|due|for))+$",
    re.IGNORECASE,
)


class PhraseError(ValueError):
    """The message cannot be used as it stands; the text says why, in words meant for the user."""


@dataclass(frozen=True)
class DayPhrase:
    """A calendar day as said, as dateparser reads it ("next friday", "3 march", "in 3 days"); `yearless`
    for a day and month without a year."""

    text: str
    yearless: bool = False


@dataclass(frozen=True)
class WhenPhrase:
    """One phrase saying when, made of adjacent parts ("tomorrow" "at 5pm"), and where it is in the text.

    `bare_hour` is a clock time said without am/pm ("at 8"): after noon "tonight", "in the evening" or "in
    the afternoon". `offset` ("in 2 hours") is a while after now and stands alone.
    """

    start: int
    end: int
    day: DayPhrase | None = None
    clock: time | None = None
    bare_hour: bool = False
    part_of_day: str | None = None
    offset: timedelta | None = None

    @property
    def says_time(self) -> bool:
        """Whether a time of day is said (or a while from now), not only a day."""
        return self.clock is not None or self.part_of_day is not None or self.offset is not None

    def joined(self, later: "WhenPhrase") -> "WhenPhrase | None":
        """This phrase and the `later` part next to it as one; None if they would say something twice."""
        if self.offset is not None or later.offset is not None:
            return None
        slots = ((self.day, later.day), (self.clock, later.clock), (self.part_of_day, later.part_of_day))
        if any(mine is not None and theirs is not None for mine, theirs in slots):
            return None
        return WhenPhrase(
            start=self.start,
            end=later.end,
            day=self.day or later.day,
            clock=self.clock or later.clock,
            bare_hour=self.bare_hour or later.bare_hour,
            part_of_day=self.part_of_day or later.part_of_day,
        )


# A reminder as said: a while before the due date, or when.
type ReminderPhrase = timedelta | WhenPhrase


def number(text: str) -> int:
    """A small count, in digits or words ("3", "three", "a")."""
    word = text.lower()
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def tidy(text: str) -> str:
    """What is left of a message once phrases are cut out, as a title: spaces and punctuation tidied, the
    joining words left at either end dropped ("pay rent , " is "pay rent")."""
    text = TIDY_SPACES.sub(" ", text)
    text = TIDY_BEFORE_PUNCTUATION.sub(r"\1", text)
    text = TIDY_REPEATED_PUNCTUATION.sub(r"\1", text)
    return TIDY_ENDS.sub("", text)


def cut(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each span (in order, not overlapping) replaced by a space."""
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return " ".join(pieces)


def take_quoted(text: str) -> tuple[str, str | None]:
    """The first quoted text ("..." or '...'), taken literally: what it says is a title, never a command."""
    match = QUOTED.search(text)
    if match is None:
        return text, None
    quoted = match["double"] if match["double"] is not None else match["single"]
    return cut(text, [match.span()]), quoted.strip()


def unquoted(text: str) -> str:
    """`text` without the quotes around it, if it is all one quoted text."""
    match = QUOTED.fullmatch(text)
    if match is None:
        return text
    return (match["double"] if match["double"] is not None else match["single"]).strip()


def take_priority(text: str) -> tuple[str, PriorityValue | None]:
    """`!high`, "urgent" (the project's highest, high), "low priority", "priority: low"; None if not said."""
    matches = list(PRIORITY.finditer(text))
    levels = {PRIORITY_LEVELS[next(word for word in match.groups() if word).lower()] for match in matches}
    if len(levels) > 1:
        raise PhraseError(f"Give one priority, not {' and '.join(sorted(levels))}.")
    return cut(text, (match.span() for match in matches)), levels.pop() if levels else None


def take_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """`#home`, `#work-stuff`: each tag once, in the order given."""
    matches = list(TAG.finditer(text))
    tags = tuple(dict.fromkeys(match["tag"] for match in matches))
    if too_long := [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]:
        raise PhraseError(f"A tag has at most {TAG_MAX_LENGTH} characters; #{too_long[0][:20]}… has more.")
    if len(tags) > MAX_TAGS:
        raise PhraseError(f"A task has at most {MAX_TAGS} tags.")
    return cut(text, (match.span() for match in matches)), tags


def _weekday_codes(day_list: str) -> str:
    """BYDAY for a list of weekday names ("Mon and Thursdays"): each day once, Monday first."""
    words = re.findall(r"[a-z]+", day_list.lower())
    codes = {WEEKDAYS[word] if word in WEEKDAYS else WEEKDAYS[word[:-1]] for word in words if word != "and"}
    return ",".join(code for code in WEEKDAY_ORDER if code in codes)


def _month_and_day(calendar_date: str) -> tuple[int, int]:
    """The month and day of "29 Feb", "the 3rd of March", "March 3"."""
    month = next(MONTHS[word] for word in re.findall(r"[a-z]+", calendar_date.lower()) if word in MONTHS)
    return month, _first_number(calendar_date)


def _first_number(text: str) -> int:
    return int(re.findall("[0-9]+", text)[0])


def _rule_parts(match: re.Match[str]) -> dict[str, str]:
    """The RRULE parts of one recurring pattern, in the order RFC 5545's examples give them."""
    if match["working_days"] or match["working_days_plural"]:
        return {"FREQ": "WEEKLY", "BYDAY": "MO,TU,WE,TH,FR"}
    if match["weekend"] or match["weekends"]:
        return {"FREQ": "WEEKLY", "BYDAY": "SA,SU"}
    if match["days"]:
        return {"FREQ": "WEEKLY", "BYDAY": _weekday_codes(match["days"])}
    if match["adverb"]:
        unit, interval = ADVERBS[match["adverb"].lower()]
    else:
        unit = match["unit"].lower()
        count = (match["count"] or "1").lower()
        interval = 2 if count == "other" else number(count)
    parts = {"FREQ": FREQUENCIES[unit]} | ({"INTERVAL": str(interval)} if interval != 1 else {})
    qualified_unit, qualifier = unit, {}
    if match["week_days"]:
        qualified_unit, qualifier = "week", {"BYDAY": _weekday_codes(match["week_days"])}
    elif match["last_day"]:
        qualified_unit, qualifier = "month", {"BYMONTHDAY": "-1"}
    elif match["month_day"]:
        qualified_unit, qualifier = "month", {"BYMONTHDAY": str(_first_number(match["month_day"]))}
    elif match["year_date"]:
        month, day = _month_and_day(match["year_date"])
        qualified_unit, qualifier = "year", {"BYMONTH": str(month), "BYMONTHDAY": str(day)}
    if qualified_unit != unit:
        raise PhraseError(
            f'I could not read "{match[0]}" as a repeat: try "every monday", "every 2 weeks on Mon and Thu", '
            '"every month on the 15th" or "every year on 29 Feb".'
        )
    return parts | qualifier


def take_recurrence(text: str) -> tuple[str, str | None]:
    """The recurring pattern said ("every day", "every weekday", "every 2 weeks on Mon and Thu", "monthly on
    the last day", "every year on 29 Feb") as an RRULE in `tasks_app.recurrence_rules.check_pattern`'s normal
    form; None if none is said."""
    matches = list(RECURRENCE.finditer(text))
    if not matches:
        return text, None
    if len(matches) > 1:
        raise PhraseError(f'Give one repeat, not "{matches[0][0]}" and "{matches[1][0]}".')
    rule = ";".join(f"{name}={value}" for name, value in _rule_parts(matches[0]).items())
    try:
        return cut(text, [matches[0].span()]), check_pattern(rule)
    except InvalidPatternError as error:
        raise PhraseError(f'I could not use "{matches[0][0]}" as a repeat: {error}.') from error


def _when_part(match: re.Match[str]) -> WhenPhrase:
    """One part of a when-phrase: a day, a clock time, a part of the day, or a while from now."""
    start, end = match.span()
    if match["relative_day"]:
        return WhenPhrase(start, end, day=DayPhrase(TIDY_SPACES.sub(" ", match["relative_day"].lower())))
    if match["tonight"]:
        return WhenPhrase(start, end, day=DayPhrase("today"), part_of_day="tonight")
    if match["weekday"] or match["short_weekday"]:
        qualifier = (match["qualifier"] or match["short_qualifier"] or "").lower()
        name = FULL_WEEKDAY_NAMES[WEEKDAYS[(match["weekday"] or match["short_weekday"]).lower()]]
        said = f"{qualifier} {name}" if qualifier in {"this", "next"} else name  # "on fri" is "friday"
        return WhenPhrase(start, end, day=DayPhrase(said))
    if match["period_amount"]:
        day = DayPhrase(f"in {number(match['period_amount'])} {match['period_unit'].lower()}s")
        return WhenPhrase(start, end, day=day)
    if match["next_period"] or match["iso_date"]:
        return WhenPhrase(start, end, day=DayPhrase(TIDY_SPACES.sub(" ", match[0].lower())))
    if match["calendar_date"]:
        said = match["calendar_date"] + (f" {match['year']}" if match["year"] else "")
        return WhenPhrase(start, end, day=DayPhrase(said.lower(), yearless=match["year"] is None))
    if match["hour12"]:
        hour = int(match["hour12"]) % 12 + (12 if match["meridiem"].lower() == "p" else 0)
        return WhenPhrase(start, end, clock=time(hour, int(match["minute12"] or 0)))
    if match["hour24"]:
        return WhenPhrase(start, end, clock=time(int(match["hour24"]), int(match["minute24"])))
    if match["bare_hour"]:
        return WhenPhrase(start, end, clock=time(int(match["bare_hour"])), bare_hour=True)
    if match["noon"]:
        return WhenPhrase(start, end, clock=time(12))
    if match["part_of_day"]:
        return WhenPhrase(start, end, part_of_day=match["part_of_day"].lower())
    if match["half_hour"]:
        return WhenPhrase(start, end, offset=timedelta(minutes=30))
    return WhenPhrase(
        start, end, offset=number(match["offset_amount"]) * UNIT_LENGTHS[match["offset_unit"][0].lower()]
    )


def when_phrases(text: str, start: int = 0) -> list[WhenPhrase]:
    """Every when-phrase in `text` from `start` on, in order; adjacent parts joined into one phrase."""
    phrases: list[WhenPhrase] = []
    for match in WHEN_PART.finditer(text, start):
        part = _when_part(match)
        previous = phrases[-1] if phrases else None
        adjacent = previous is not None and WHEN_GAP.fullmatch(text, previous.end, part.start) is not None
        joined = previous.joined(part) if previous is not None and adjacent else None
        if joined is None:
            phrases.append(part)
        else:
            phrases[-1] = joined
    return phrases


def _reminder_at(text: str, position: int) -> tuple[ReminderPhrase, int] | None:
    """The reminder said at `position` (spaces before it aside), and where it ends; None if none is."""
    before = BEFORE_DUE.match(text, position)
    if before is not None:
        if before["amount"]:
            while_before = number(before["amount"]) * UNIT_LENGTHS[before["unit"][0].lower()]
        elif before["half_hour"]:
            while_before = timedelta(minutes=30)
        else:
            while_before = UNIT_LENGTHS[before["the_unit"][0].lower()]
        return while_before, before.end()
    phrases = when_phrases(text, position)
    if phrases and not text[position : phrases[0].start].strip():
        return phrases[0], phrases[0].end
    return None


def take_reminders(text: str) -> tuple[str, list[ReminderPhrase]]:
    """The reminders said: "remind me 1 day before", "remind me 30 minutes before and at 8am", "remind me
    tomorrow at 9"."""
    reminders: list[ReminderPhrase] = []
    spans: list[tuple[int, int]] = []
    for match in REMIND_ME.finditer(text):
        said = _reminder_at(text, match.end())
        if said is None:
            raise PhraseError(
                'I did not understand the reminder: try "remind me 1 day before", "remind me 30 minutes '
                'before", "remind me at 8am" or "remind me tomorrow at 9".'
            )
        end = match.end()
        while said is not None:
            reminder, end = said
            reminders.append(reminder)
            separator = REMINDER_SEPARATOR.match(text, end)
            said = None if separator is None else _reminder_at(text, separator.end())
        spans.append((match.start(), end))
    return cut(text, spans), reminders
