"""The task assistant's grammar held to a table of phrases (the table is its spec), then its promises: DST,
quoted titles, words that only look like dates, limits shared with tasks_app, and never raising.

Every row is read at NOW unless it gives its own: Friday 2027-03-26 10:00 UTC, which is 11:00 in Paris (two
days before its clocks go forward, on Sunday 28 March) and 06:00 in New York (twelve days after its clocks
did, on 14 March). Due dates are ISO 8601 with the user's local offset. `table_score()` counts the rows
the grammar reads as the table says, for a note to quote ("N phrases, N correct").
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, assert_never, get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant_app.grammar import (
    TITLE_MAX_LENGTH,
    AddTask,
    Command,
    CompleteTask,
    DeleteTask,
    ListTasks,
    MoveTask,
    NotUnderstood,
    RenameTask,
    Verb,
    parse,
)
from assistant_app.phrases import MAX_TAGS, TAG_MAX_LENGTH, PriorityValue
from tasks_app.recurrence_rules import check_pattern
from tasks_app.reminders import ReminderSpec, iso_duration

PARIS = "Europe/Paris"  # 2027: clocks forward Sunday 28 March 02:00 -> 03:00
NEW_YORK = "America/New_York"  # 2027: clocks forward Sunday 14 March 02:00 -> 03:00, back Sunday 7 November
NOW = datetime(2027, 3, 26, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """A command flattened so that one table compares every verb. `text` is the title, the reference or the
    NotUnderstood message; `due` the due date (for a list, "from/before" or "overdue"); reminders read
    "before P1D" or "at <ISO instant>"."""

    verb: Verb
    text: str = ""
    due: str | None = None
    rule: str | None = None
    reminders: tuple[str, ...] = ()
    priority: PriorityValue | None = None
    tags: tuple[str, ...] = ()
    new_title: str | None = None
    time_given: bool | None = None
    completed: bool | None = None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _reminder(spec: ReminderSpec) -> str:
    if spec.before_due is not None:
        return f"before {iso_duration(spec.before_due)}"
    return f"at {_iso(spec.at)}"


def reading(command: Command) -> Reading:
    match command:
        case AddTask():
            reminders = tuple(_reminder(spec) for spec in command.reminders)
            return Reading(
                command.verb,
                command.title,
                _iso(command.due),
                command.recurrence,
                reminders,
                command.priority,
                command.tags,
            )
        case ListTasks():
            period = f"{_iso(command.due_from)}/{_iso(command.due_before)}" if command.due_from else None
            due = "overdue" if command.overdue else period
            return Reading(
                command.verb,
                due=due,
                priority=command.priority,
                tags=command.tags,
                completed=command.completed,
            )
        case CompleteTask() | DeleteTask():
            return Reading(command.verb, command.reference)
        case RenameTask():
            return Reading(command.verb, command.reference, new_title=command.new_title)
        case MoveTask():
            return Reading(
                command.verb, command.reference, _iso(command.due), time_given=command.due_time_given
            )
        case NotUnderstood():
            return Reading(command.verb, command.message)
        case _:
            assert_never(command)


def add(
    title: str,
    due: str | None = None,
    rule: str | None = None,
    reminders: tuple[str, ...] = (),
    priority: PriorityValue | None = None,
    tags: tuple[str, ...] = (),
) -> Reading:
    return Reading(Verb.ADD, title, due, rule, reminders, priority, tags)


def listing(
    due: str | None = None,
    priority: PriorityValue | None = None,
    tags: tuple[str, ...] = (),
    completed: bool | None = None,
) -> Reading:
    return Reading(Verb.LIST, due=due, priority=priority, tags=tags, completed=completed)


def complete(reference: str) -> Reading:
    return Reading(Verb.COMPLETE, reference)


def delete(reference: str) -> Reading:
    return Reading(Verb.DELETE, reference)


def rename(reference: str, new_title: str) -> Reading:
    return Reading(Verb.RENAME, reference, new_title=new_title)


def move(reference: str, due: str, *, time_given: bool) -> Reading:
    return Reading(Verb.MOVE, reference, due, time_given=time_given)


def unclear(message: str) -> Reading:
    return Reading(Verb.NOT_UNDERSTOOD, message)


class Row(NamedTuple):
    zone: str
    message: str
    expected: Reading
    now: datetime = NOW


WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
LAST_DAY = "FREQ=MONTHLY;BYMONTHDAY=-1"
LEAP_DAY = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
MON_THU = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
NO_DUE_FOR_BEFORE = (
    'A reminder before the due date needs a due date: "call mom tomorrow 5pm, remind me 30 minutes before".'
)
NO_TITLE = 'What is the task? Give it a title, e.g. "buy milk tomorrow 5pm".'

# One row per phrase reads best on two lines, which the formatter would spread much further.
# fmt: off
TABLE = [
    # -- Paris: dates and times, DST (28 March), titles that keep their words
    Row(PARIS, "buy milk tomorrow 5pm #home !high",
        add("buy milk", "2027-03-27T17:00:00+01:00", priority="high", tags=("home",))),
    Row(PARIS, "call the bank tomorrow 9am", add("call the bank", "2027-03-27T09:00:00+01:00")),
    Row(PARIS, "water plants sunday 9am", add("water plants", "2027-03-28T09:00:00+02:00")),
    Row(PARIS, "run backup sunday 2:30am", add("run backup", "2027-03-28T03:00:00+02:00")),  # in the gap
    Row(PARIS, "submit report next friday", add("submit report", "2027-04-02T09:00:00+02:00")),
    Row(PARIS, "dentist on 3 March at 14:30", add("dentist", "2028-03-03T14:30:00+01:00")),
    Row(PARIS, "call bank in 2 hours", add("call bank", "2027-03-26T13:00:00+01:00")),
    Row(PARIS, "dinner tonight", add("dinner", "2027-03-26T20:00:00+01:00")),
    Row(PARIS, "call mom", add("call mom")),
    Row(PARIS, "may report", add("may report")),
    Row(PARIS, "buy sun cream", add("buy sun cream")),
    Row(PARIS, "buy sun cream on sat", add("buy sun cream", "2027-03-27T09:00:00+01:00")),
    Row(PARIS, "call mom about the monday meeting tomorrow 5pm",
        add("call mom about the monday meeting", "2027-03-27T17:00:00+01:00")),
    Row(PARIS, "call dad at 10am", add("call dad", "2027-03-27T10:00:00+01:00")),  # 10:00 has passed today
    Row(PARIS, "tomorrow 9am yoga", add("yoga", "2027-03-28T09:00:00+02:00"),
        now=datetime(2027, 3, 27, 10, 0, tzinfo=UTC)),  # the day before the change: 07:00 UTC
    # -- Paris: recurring tasks, due at their first occurrence still ahead
    Row(PARIS, "pay rent every month on the last day, remind me a day before",
        add("pay rent", "2027-03-31T09:00:00+02:00", LAST_DAY, ("before P1D",))),
    Row(PARIS, "pay rent monthly on the last day", add("pay rent", "2027-03-31T09:00:00+02:00", LAST_DAY)),
    Row(PARIS, "pay rent every month on the last day", add("pay rent", "2027-02-28T09:00:00+01:00", LAST_DAY),
        now=datetime(2027, 1, 31, 10, 0, tzinfo=UTC)),  # 31 January, 09:00 passed: February's last day
    Row(PARIS, "pay rent every month on the last day", add("pay rent", "2027-01-31T09:00:00+01:00", LAST_DAY),
        now=datetime(2027, 1, 31, 7, 0, tzinfo=UTC)),  # 31 January, 08:00: today
    Row(PARIS, "standup every weekday at 9:30", add("standup", "2027-03-29T09:30:00+02:00", WEEKDAYS)),
    Row(PARIS, "gym every 2 weeks on Mon and Thu", add("gym", "2027-04-05T09:00:00+02:00", MON_THU)),
    Row(PARIS, "birthday every year on 29 Feb", add("birthday", "2028-02-29T09:00:00+01:00", LEAP_DAY)),
    Row(PARIS, "water plants every month on the 15th",
        add("water plants", "2027-04-15T09:00:00+02:00", "FREQ=MONTHLY;BYMONTHDAY=15")),
    Row(PARIS, "team meeting every Monday",
        add("team meeting", "2027-03-29T09:00:00+02:00", "FREQ=WEEKLY;BYDAY=MO")),
    Row(PARIS, "stretch every day at 7am", add("stretch", "2027-03-27T07:00:00+01:00", "FREQ=DAILY")),
    Row(PARIS, "journal daily", add("journal", "2027-03-27T09:00:00+01:00", "FREQ=DAILY")),
    Row(PARIS, "run every other day", add("run", "2027-03-27T09:00:00+01:00", "FREQ=DAILY;INTERVAL=2")),
    # -- Paris: reminders, priorities, tags
    Row(PARIS, "call mom tomorrow 5pm, remind me 30 minutes before",
        add("call mom", "2027-03-27T17:00:00+01:00", reminders=("before PT30M",))),
    Row(PARIS, "call the dentist in 1 minute, remind me 50 seconds before",
        add("call the dentist", "2027-03-26T11:01:00+01:00", reminders=("before PT50S",))),
    Row(PARIS, "check the oven in 45 secs", add("check the oven", "2027-03-26T11:00:45+01:00")),
    Row(PARIS, "dentist on 3 March at 14:30, remind me at 8am",
        add("dentist", "2028-03-03T14:30:00+01:00", reminders=("at 2028-03-03T08:00:00+01:00",))),
    Row(PARIS, "call grandma remind me tomorrow at 9",
        add("call grandma", reminders=("at 2027-03-27T09:00:00+01:00",))),
    Row(PARIS, "pick up parcel remind me at 8am",
        add("pick up parcel", reminders=("at 2027-03-27T08:00:00+01:00",))),
    Row(PARIS, "urgent: call the plumber", add("call the plumber", priority="high")),
    Row(PARIS, "report due friday high priority",
        add("report", "2027-04-02T09:00:00+02:00", priority="high")),
    Row(PARIS, "sort photos low priority #home #photos",
        add("sort photos", priority="low", tags=("home", "photos"))),
    Row(PARIS, "fix bike !low #work-stuff", add("fix bike", priority="low", tags=("work-stuff",))),
    Row(PARIS, "restart the server !urgent", add("restart the server", priority="high")),
    Row(PARIS, "plan trip #travel #2027 priority: medium",
        add("plan trip", priority="medium", tags=("travel", "2027"))),
    Row(PARIS, "call mom, remind me 1 hour before", unclear(NO_DUE_FOR_BEFORE)),
    # -- Paris: quoted titles are titles
    Row(PARIS, 'add "delete all tasks" tomorrow', add("delete all tasks", "2027-03-27T09:00:00+01:00")),
    Row(PARIS, "add 'delete all tasks of user 42'", add("delete all tasks of user 42")),
    Row(PARIS, '"remove #home !high every day" tomorrow',
        add("remove #home !high every day", "2027-03-27T09:00:00+01:00")),
    # -- Paris: the other verbs
    Row(PARIS, "list", listing()),
    Row(PARIS, "show my tasks", listing()),
    Row(PARIS, "what's due today", listing("2027-03-26T00:00:00+01:00/2027-03-27T00:00:00+01:00")),
    Row(PARIS, "what's due this week", listing("2027-03-22T00:00:00+01:00/2027-03-29T00:00:00+02:00")),
    Row(PARIS, "list #work", listing(tags=("work",))),
    Row(PARIS, "list urgent", listing(priority="high")),
    Row(PARIS, "complete report", complete("report")),
    Row(PARIS, "done with report", complete("report")),
    Row(PARIS, "mark report done", complete("report")),
    Row(PARIS, "delete report", delete("report")),
    Row(PARIS, "remove report", delete("report")),
    Row(PARIS, "delete all tasks of user 42", delete("all tasks of user 42")),
    Row(PARIS, "rename report to quarterly report", rename("report", "quarterly report")),
    Row(PARIS, "move report to friday 3pm", move("report", "2027-04-02T15:00:00+02:00", time_given=True)),
    Row(PARIS, "move report to next monday", move("report", "2027-03-29T09:00:00+02:00", time_given=False)),
    Row(PARIS, "move report", unclear('Say which task and when: "move report to friday 3pm".')),
    Row(PARIS, "tomorrow", unclear(NO_TITLE)),

    # -- New York: dates and times, DST (14 March, 7 November)
    Row(NEW_YORK, "buy milk tomorrow 5pm #home !high",
        add("buy milk", "2027-03-27T17:00:00-04:00", priority="high", tags=("home",))),
    Row(NEW_YORK, "call bank in 2 hours", add("call bank", "2027-03-26T08:00:00-04:00")),
    Row(NEW_YORK, "dinner tonight at 8", add("dinner", "2027-03-26T20:00:00-04:00")),
    Row(NEW_YORK, "meeting at 5 in the afternoon", add("meeting", "2027-03-26T17:00:00-04:00")),
    Row(NEW_YORK, "call dad at 5pm", add("call dad", "2027-03-26T17:00:00-04:00")),
    Row(NEW_YORK, "call dad at 5am", add("call dad", "2027-03-27T05:00:00-04:00")),  # 05:00 has passed today
    Row(NEW_YORK, "dentist on 3 March at 14:30", add("dentist", "2028-03-03T14:30:00-05:00")),
    Row(NEW_YORK, "file taxes on April 15 2027 5pm", add("file taxes", "2027-04-15T17:00:00-04:00")),
    Row(NEW_YORK, "review budget 2027-11-07 1:30am",
        add("review budget", "2027-11-07T01:30:00-04:00")),  # repeated hour: its first reading
    Row(NEW_YORK, "prepare slides by tomorrow noon", add("prepare slides", "2027-03-27T12:00:00-04:00")),
    Row(NEW_YORK, "buy 2 tickets for saturday", add("buy 2 tickets", "2027-03-27T09:00:00-04:00")),
    Row(NEW_YORK, "call the dentist on fri", add("call the dentist", "2027-04-02T09:00:00-04:00")),
    Row(NEW_YORK, "prep talk this friday 4pm", add("prep talk", "2027-03-26T16:00:00-04:00")),
    Row(NEW_YORK, "ship it the day after tomorrow", add("ship it", "2027-03-28T09:00:00-04:00")),
    Row(NEW_YORK, "renew passport in 3 weeks", add("renew passport", "2027-04-16T09:00:00-04:00")),
    Row(NEW_YORK, "book flights next week", add("book flights", "2027-04-02T09:00:00-04:00")),
    Row(NEW_YORK, "tomorrow 9am yoga", add("yoga", "2027-03-14T09:00:00-04:00"),
        now=datetime(2027, 3, 13, 15, 0, tzinfo=UTC)),  # the day before the change: 13:00 UTC
    Row(NEW_YORK, "run backup sunday 2:30am", add("run backup", "2027-03-14T03:00:00-04:00"),
        now=datetime(2027, 3, 13, 15, 0, tzinfo=UTC)),  # in the gap
    # -- New York: recurring tasks
    Row(NEW_YORK, "standup every weekday at 9:30", add("standup", "2027-03-26T09:30:00-04:00", WEEKDAYS)),
    Row(NEW_YORK, "pay rent every month on the last day, remind me a day before",
        add("pay rent", "2027-03-31T09:00:00-04:00", LAST_DAY, ("before P1D",))),
    Row(NEW_YORK, "gym every 2 weeks on Mon and Thu", add("gym", "2027-04-05T09:00:00-04:00", MON_THU)),
    Row(NEW_YORK, "birthday every year on 29 Feb", add("birthday", "2028-02-29T09:00:00-05:00", LEAP_DAY)),
    Row(NEW_YORK, "pay rent every month on the 1st",
        add("pay rent", "2027-04-01T09:00:00-04:00", "FREQ=MONTHLY;BYMONTHDAY=1")),
    Row(NEW_YORK, "stretch every other day",
        add("stretch", "2027-03-26T09:00:00-04:00", "FREQ=DAILY;INTERVAL=2")),
    Row(NEW_YORK, "clean gutters every 3 months",
        add("clean gutters", "2027-03-26T09:00:00-04:00", "FREQ=MONTHLY;INTERVAL=3")),
    Row(NEW_YORK, "yoga every saturday and sunday at 8am",
        add("yoga", "2027-03-27T08:00:00-04:00", "FREQ=WEEKLY;BYDAY=SA,SU")),
    Row(NEW_YORK, "create a task water plants daily at 7am",
        add("water plants", "2027-03-26T07:00:00-04:00", "FREQ=DAILY")),
    Row(NEW_YORK, "party every year on 30 Feb",
        unclear('I could not use "every year on 30 Feb" as a repeat: '
                "BYMONTHDAY=30 never falls in the months given.")),
    # -- New York: reminders and the rest of an add
    Row(NEW_YORK, "pick up parcel remind me at 8am",
        add("pick up parcel", reminders=("at 2027-03-26T08:00:00-04:00",))),
    Row(NEW_YORK, "call mom tomorrow, remind me 1 day before and 1 hour before",
        add("call mom", "2027-03-27T09:00:00-04:00", reminders=("before P1D", "before PT1H"))),
    Row(NEW_YORK, "call mom tomorrow 6pm remind me 2 hours before #family",
        add("call mom", "2027-03-27T18:00:00-04:00", reminders=("before PT2H",), tags=("family",))),
    Row(NEW_YORK, "remind me 1 day before", unclear(NO_TITLE)),
    Row(NEW_YORK, "new task: write docs monday 9am", add("write docs", "2027-03-29T09:00:00-04:00")),
    Row(NEW_YORK, 'add "list #work" friday', add("list #work", "2027-04-02T09:00:00-04:00")),
    # -- New York: the other verbs
    Row(NEW_YORK, "what's due today", listing("2027-03-26T00:00:00-04:00/2027-03-27T00:00:00-04:00")),
    Row(NEW_YORK, "list high priority tasks tagged #work due this week",
        listing("2027-03-22T00:00:00-04:00/2027-03-29T00:00:00-04:00", priority="high", tags=("work",))),
    Row(NEW_YORK, "list !low #home #garden", listing(priority="low", tags=("home", "garden"))),
    Row(NEW_YORK, "what's overdue", listing("overdue")),
    Row(NEW_YORK, "list done tasks", listing(completed=True)),
    Row(NEW_YORK, "what do I have tomorrow", listing("2027-03-27T00:00:00-04:00/2027-03-28T00:00:00-04:00")),
    Row(NEW_YORK, "I finished the report.", complete("the report")),
    Row(NEW_YORK, 'rename "go to gym" to "go to the gym"', rename("go to gym", "go to the gym")),
    Row(NEW_YORK, "move report to friday 3pm", move("report", "2027-04-02T15:00:00-04:00", time_given=True)),
    Row(NEW_YORK, "move report to tomorrow", move("report", "2027-03-27T09:00:00-04:00", time_given=False)),
    Row(NEW_YORK, "move talk to bob to friday",
        move("talk to bob", "2027-04-02T09:00:00-04:00", time_given=False)),
    Row(NEW_YORK, "reschedule dentist for tonight",
        move("dentist", "2027-03-26T20:00:00-04:00", time_given=True)),
    Row(NEW_YORK, "rename report",
        unclear('Say what to rename and to what: "rename report to quarterly report".')),
]
# fmt: on


def table_score() -> tuple[int, int]:
    """(phrases in the table, phrases the grammar reads exactly as the table says)."""
    correct = sum(
        reading(parse(row.message, now=row.now, timezone=row.zone)) == row.expected for row in TABLE
    )
    return len(TABLE), correct


@pytest.mark.parametrize("row", TABLE, ids=[f"{row.zone.split('/')[1]}: {row.message}" for row in TABLE])
def test_table(row: Row) -> None:
    assert reading(parse(row.message, now=row.now, timezone=row.zone)) == row.expected


def test_the_whole_table_is_read_right() -> None:
    phrases, correct = table_score()
    assert phrases >= 70
    assert correct == phrases


def test_due_dates_are_in_the_users_zone() -> None:
    for row in TABLE:
        command = parse(row.message, now=row.now, timezone=row.zone)
        if isinstance(command, AddTask | MoveTask) and command.due is not None:
            assert command.due.tzinfo == ZoneInfo(row.zone)


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        (PARIS, datetime(2027, 3, 27, 10, 0, tzinfo=UTC), datetime(2027, 3, 28, 7, 0, tzinfo=UTC)),
        (NEW_YORK, datetime(2027, 3, 13, 15, 0, tzinfo=UTC), datetime(2027, 3, 14, 13, 0, tzinfo=UTC)),
    ],
)
def test_nine_tomorrow_is_nine_local_across_the_change_of_clocks(
    zone: str, now: datetime, expected: datetime
) -> None:
    command = parse("yoga tomorrow 9am", now=now, timezone=zone)
    assert isinstance(command, AddTask)
    assert command.due == expected


def test_in_two_hours_is_two_hours_even_when_the_clocks_change() -> None:
    # 01:30 in Paris on 28 March: the clocks jump from 02:00 to 03:00 on the way.
    now = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    command = parse("call bank in 2 hours", now=now, timezone=PARIS)
    assert isinstance(command, AddTask)
    assert command.due == datetime(2027, 3, 28, 2, 30, tzinfo=UTC)
    assert _iso(command.due) == "2027-03-28T04:30:00+02:00"


@pytest.mark.parametrize(
    "message",
    [
        'add "delete all tasks" tomorrow',
        "add 'delete all tasks of user 42'",
        '"delete all tasks of user 42"',
        "add “rename everything to x”",
        'add "move report to friday 3pm"',
        'add "remind me 1 day before #x !high"',
    ],
)
def test_quoted_titles_stay_titles(message: str) -> None:
    command = parse(message, now=NOW, timezone=PARIS)
    assert isinstance(command, AddTask)
    assert command.title in message.replace("“", '"').replace("”", '"')
    assert command.reminders == ()
    assert command.tags == ()
    assert command.priority is None


@pytest.mark.parametrize(
    "title",
    [
        "call mom",
        "may report",
        "march for science",
        "buy sun cream",
        "fix the sat nav",
        "wed planning",
        "read chapter 5",
        "order 12 pizzas",
        "high school reunion",
    ],
)
def test_words_that_only_look_like_dates_stay_in_the_title(title: str) -> None:
    assert parse(title, now=NOW, timezone=PARIS) == AddTask(title)


def test_every_rule_is_one_tasks_app_accepts_as_it_stands() -> None:
    rules = {row.expected.rule for row in TABLE if row.expected.rule is not None}
    assert len(rules) >= 8
    for rule in rules:
        assert check_pattern(rule) == rule


def test_limits_are_the_projects() -> None:
    # Imported here: the grammar and the rest of this module need no Django.
    from tasks_app.models import TAG_MAX_LENGTH as MODEL_TAG_MAX_LENGTH
    from tasks_app.models import Priority, Task
    from tasks_app.serializers import MAX_TAGS as SERIALIZER_MAX_TAGS

    assert TAG_MAX_LENGTH == MODEL_TAG_MAX_LENGTH
    assert MAX_TAGS == SERIALIZER_MAX_TAGS
    assert Task._meta.get_field("title").max_length == TITLE_MAX_LENGTH
    assert set(get_args(PriorityValue.__value__)) == set(Priority.values)


def test_too_many_or_too_long_tags_are_refused_with_a_reason() -> None:
    too_many = " ".join(f"#t{number}" for number in range(MAX_TAGS + 1))
    assert isinstance(parse(f"pack {too_many}", now=NOW, timezone=PARIS), NotUnderstood)
    assert isinstance(parse(f"pack #{'x' * (TAG_MAX_LENGTH + 1)}", now=NOW, timezone=PARIS), NotUnderstood)


def test_a_date_too_far_away_is_refused_with_a_reason() -> None:
    command = parse("file taxes 9999-12-31 11pm", now=NOW, timezone=NEW_YORK)
    assert command == NotUnderstood("9999-12-31 is too far away for a date.")


def test_a_naive_now_is_the_callers_mistake() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("list", now=datetime(2027, 3, 26, 10, 0), timezone=PARIS)  # noqa: DTZ001 - the mistake under test


# fmt: off
VOCABULARY = [
    "add", "list", "show", "what's", "done", "with", "complete", "mark", "delete", "remove", "rename", "to",
    "move", "every", "each", "other", "day", "week", "month", "year", "daily", "weekly", "on", "the",
    "last", "15th", "29", "feb", "31", "jan", "may", "mon", "and", "thu", "weekday", "tomorrow", "today",
    "tonight", "next", "this", "friday", "sat", "in", "2", "0", "999", "hours", "minutes", "days", "at",
    "5pm", "9", "8am", "14:30", "noon", "evening", "remind", "me", "before", "a", "half", "hour", "#home",
    "#x-", "!high", "!low", "urgent", "high", "priority", '"', "'", ",", ".", "?", "9999-12-31",
    "0001-01-01", "2:30am",
]
# fmt: on
ZONES = [PARIS, NEW_YORK, "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe", "Factory"]


@settings(max_examples=300, deadline=None)
@given(
    message=st.text(max_size=120) | st.lists(st.sampled_from(VOCABULARY), max_size=12).map(" ".join),
    zone=st.sampled_from(ZONES),
)
def test_any_text_is_read_without_raising(message: str, zone: str) -> None:
    command = parse(message, now=NOW, timezone=zone)
    assert command.verb in set(Verb)
    if isinstance(command, NotUnderstood):
        assert command.message
