"""The task assistant's built-in grammar: one message in plain words, one command; offline and deterministic.

`parse("buy milk tomorrow 5pm #home !high", now=now, timezone="Europe/Paris")` is an `AddTask`. The verbs:

- add, also when no verb is given: a title, and any of a due date, a priority, tags, a recurring pattern (as
  an RRULE) and reminders ("pay rent every month on the last day, remind me a day before");
- list: "list", "show my tasks", "what's due today", "list #work", "list urgent";
- complete: "complete report", "done with report", "mark report done";
- delete: "delete report", "remove report";
- rename: "rename report to quarterly report";
- move: "move report to friday 3pm", "move report to next monday".

The grammar only reads. Complete, delete, rename and move carry the words that name the task (`reference`):
a later service resolves them against the user's own tasks and asks back when several match. Quoted text
is a title and nothing else: `add "delete all tasks" tomorrow` adds a task of that name. A message the
grammar cannot read is a `NotUnderstood` with a message for the user; `parse` never raises on what the user
wrote. A recurring task said without a due date is due at its rule's first occurrence still ahead (at
09:00 local unless a time is said); `assistant_app.clock` says how days and times are read, and
`assistant_app.phrases` which words are recognised.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import ClassVar
from zoneinfo import ZoneInfo

from assistant_app.clock import DEFAULT_TIME, Clock
from assistant_app.phrases import (
    END,
    START,
    TIDY_SPACES,
    PhraseError,
    PriorityValue,
    ReminderPhrase,
    WhenPhrase,
    cut,
    take_priority,
    take_quoted,
    take_recurrence,
    take_reminders,
    take_tags,
    tidy,
    unquoted,
    when_phrases,
)
from tasks_app.reminders import MAX_BEFORE_DUE, MAX_REMINDERS, ReminderSpec

TITLE_MAX_LENGTH = 255  # tasks_app.models.Task.title (the tests keep them equal)
MAX_MESSAGE_LENGTH = 1000
HELP = (
    'I did not understand that. Try "buy milk tomorrow 5pm #home !high", "list #work", "done with report", '
    '"rename report to quarterly report" or "move report to friday 3pm".'
)

STRAIGHT_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
SPACES_AND_CONTROLS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
ADD = re.compile(
    rf"(?:add|create|new\s+(?:task|todo))(?:\s+(?:a\s+)?(?:new\s+)?(?:task|todo))?{END}\s*:?\s*(?P<rest>.*)",
    re.IGNORECASE,
)
LIST = re.compile(
    rf"(?:list|show|display|view|what(?:'s|s)?|(?:my\s+)?(?:tasks|todos)){END}(?P<rest>.*)", re.IGNORECASE
)
COMPLETE = re.compile(
    rf"(?:complete|finish(?:ed)?|done(?:\s+with)?|check\s+off|tick\s+off|i\s+(?:did|finished|completed)){END}"
    r"\s*(?P<reference>.*)",
    re.IGNORECASE,
)
MARK_DONE = re.compile(
    r"mark\s+(?P<reference>.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)", re.IGNORECASE
)
DELETE = re.compile(rf"(?:delete|remove){END}\s*(?P<reference>.*)", re.IGNORECASE)
RENAME = re.compile(rf"rename{END}\s*(?P<rest>.*)", re.IGNORECASE)
RENAME_PARTS = re.compile(
    r"(?P<reference>\"[^\"]*\"|'[^']*'|.+?)\s+(?:to|as|into)\s+(?P<new_title>.+)", re.IGNORECASE
)
MOVE = re.compile(rf"(?:move|reschedule|postpone|push|defer){END}\s*(?P<rest>.*)", re.IGNORECASE)
MOVE_CONNECTOR = re.compile(r"\s+(?:to|until|till|for)\s*$", re.IGNORECASE)
LIST_PERIOD = re.compile(
    rf"{START}(?P<period>today|tomorrow|this\s+week|next\s+week|overdue|late){END}", re.IGNORECASE
)
LIST_STATE = re.compile(
    rf"{START}(?:(?P<done>done|completed|finished)|open|pending|remaining|unfinished|incomplete){END}",
    re.IGNORECASE,
)
LIST_FILLER = re.compile(
    rf"{START}(?:my|all|the|me|of|tasks?|todos?|items?|things|is|are|do|i|have|got|for|on|with|tagged|that"
    rf"|which|anything|what|due|and|s|list){END}|[,.?!'&:]",
    re.IGNORECASE,
)


class Verb(StrEnum):
    """What a command asks for."""

    ADD = "add"
    LIST = "list"
    COMPLETE = "complete"
    DELETE = "delete"
    RENAME = "rename"
    MOVE = "move"
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class AddTask:
    """Create a task. `due` is aware, in the user's zone; `priority` None when not said (the task's
    default, medium, applies); `recurrence` an RRULE body as `tasks_app.recurrence_rules.check_pattern`
    gives it."""

    title: str
    due: datetime | None = None
    priority: PriorityValue | None = None
    tags: tuple[str, ...] = ()
    recurrence: str | None = None
    reminders: tuple[ReminderSpec, ...] = ()
    verb: ClassVar[Verb] = Verb.ADD


@dataclass(frozen=True)
class ListTasks:
    """Show the user's tasks, narrowed as said; None or () is no filter. Due dates fall in [`due_from`,
    `due_before`) (`tasks_app.selectors.TaskFilters.due_after` excludes its instant, `due_from` does not);
    `overdue`: only tasks past due and not completed; `tags`: tasks that have all of them."""

    due_from: datetime | None = None
    due_before: datetime | None = None
    overdue: bool = False
    completed: bool | None = None
    priority: PriorityValue | None = None
    tags: tuple[str, ...] = ()
    verb: ClassVar[Verb] = Verb.LIST


@dataclass(frozen=True)
class CompleteTask:
    """Complete the task that `reference` names ("report")."""

    reference: str
    verb: ClassVar[Verb] = Verb.COMPLETE


@dataclass(frozen=True)
class DeleteTask:
    """Delete the task that `reference` names."""

    reference: str
    verb: ClassVar[Verb] = Verb.DELETE


@dataclass(frozen=True)
class RenameTask:
    """Give the task that `reference` names the title `new_title`."""

    reference: str
    new_title: str
    verb: ClassVar[Verb] = Verb.RENAME


@dataclass(frozen=True)
class MoveTask:
    """Move the task that `reference` names to `due` (aware, in the user's zone). `due_time_given` is False
    when only a day was said ("move report to friday"): `due` is then at `clock.DEFAULT_TIME` (09:00), and
    the service may keep the task's own time of day instead."""

    reference: str
    due: datetime
    due_time_given: bool
    verb: ClassVar[Verb] = Verb.MOVE


@dataclass(frozen=True)
class NotUnderstood:
    """The message could not be read; `message` tells the user why, or what they could say."""

    message: str
    verb: ClassVar[Verb] = Verb.NOT_UNDERSTOOD


type Command = AddTask | ListTasks | CompleteTask | DeleteTask | RenameTask | MoveTask | NotUnderstood


def parse(message: str, *, now: datetime, timezone: str) -> Command:
    """Read one message of a user whose IANA time zone is `timezone`, at the aware instant `now`.

    Never raises on `message`. Raises ValueError for a naive `now`, and zoneinfo's errors for a zone that
    is not one: those are the caller's values, not the user's.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    clock = Clock(now, ZoneInfo(timezone))
    text = SPACES_AND_CONTROLS.sub(" ", message.translate(STRAIGHT_QUOTES)).strip()
    try:
        return _read(text, clock)
    except PhraseError as error:
        return NotUnderstood(str(error))


def _read(text: str, clock: Clock) -> Command:
    if not text:
        raise PhraseError(HELP)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise PhraseError(f"That is a long message: say it in at most {MAX_MESSAGE_LENGTH} characters.")
    if match := ADD.fullmatch(text):
        return _add(match["rest"], clock)
    if match := LIST.fullmatch(text):
        return _list(match["rest"], clock)
    if match := COMPLETE.fullmatch(text) or MARK_DONE.fullmatch(text):
        return CompleteTask(_reference(match["reference"]))
    if match := DELETE.fullmatch(text):
        return DeleteTask(_reference(match["reference"]))
    if match := RENAME.fullmatch(text):
        return _rename(match["rest"])
    if match := MOVE.fullmatch(text):
        return _move(match["rest"], clock)
    return _add(text, clock)


def _title(title: str) -> str:
    if not title:
        raise PhraseError('What is the task? Give it a title, e.g. "buy milk tomorrow 5pm".')
    if len(title) > TITLE_MAX_LENGTH:
        raise PhraseError(f"A title has at most {TITLE_MAX_LENGTH} characters; this one has {len(title)}.")
    return title


def _reference(said: str) -> str:
    """The words naming an existing task, as said (quotes and final punctuation aside)."""
    reference = unquoted(said.strip(" .!?"))
    if not reference:
        raise PhraseError('Which task? Name it, e.g. "done with report".')
    return _title(reference)


def _add(text: str, clock: Clock) -> AddTask:
    text, quoted_title = take_quoted(text)
    text, reminder_phrases = take_reminders(text)
    text, recurrence = take_recurrence(text)
    text, priority = take_priority(text)
    text, tags = take_tags(text)
    phrases = when_phrases(text)
    when = phrases[-1] if phrases else None  # the last when-phrase is the due date; earlier ones are words
    if when is not None:
        text = cut(text, [(when.start, when.end)])
    leftover = tidy(text)
    if quoted_title is not None and leftover:
        raise PhraseError(f'I took "{quoted_title}" as the title, but did not understand "{leftover}".')
    title = _title(leftover if quoted_title is None else quoted_title)
    due = _due(when, recurrence, clock)
    if len(reminder_phrases) > MAX_REMINDERS:
        raise PhraseError(f"A task has at most {MAX_REMINDERS} reminders.")
    reminders = tuple(_reminder(phrase, due, clock) for phrase in reminder_phrases)
    return AddTask(title, due, priority, tags, recurrence, reminders)


def _due(when: WhenPhrase | None, recurrence: str | None, clock: Clock) -> datetime | None:
    """The due date said; for a recurring task said without a day, its first occurrence still ahead."""
    if recurrence is not None and (when is None or (when.day is None and when.offset is None)):
        return clock.first_occurrence(recurrence, DEFAULT_TIME if when is None else clock.time_of(when))
    return None if when is None else clock.resolve(when)


def _reminder(phrase: ReminderPhrase, due: datetime | None, clock: Clock) -> ReminderSpec:
    """A reminder before the due date, or at an instant: a time of day alone falls on the due date's day."""
    if isinstance(phrase, timedelta):
        if due is None:
            raise PhraseError(
                'A reminder before the due date needs a due date: "call mom tomorrow 5pm, '
                'remind me 30 minutes before".'
            )
        if phrase > MAX_BEFORE_DUE:
            raise PhraseError(f"A reminder comes at most {MAX_BEFORE_DUE.days} days before the due date.")
        return ReminderSpec(before_due=phrase)
    return ReminderSpec(
        at=clock.resolve(phrase, on_day=None if due is None else due.astimezone(clock.zone).date())
    )


def _rename(text: str) -> RenameTask:
    parts = RENAME_PARTS.fullmatch(text)
    if parts is None:
        raise PhraseError('Say what to rename and to what: "rename report to quarterly report".')
    return RenameTask(_reference(parts["reference"]), _title(unquoted(parts["new_title"].strip(" .!?"))))


def _move(text: str, clock: Clock) -> MoveTask:
    phrases = when_phrases(text)
    when = phrases[-1] if phrases else None
    if when is None or text[when.end :].strip(" .!?"):
        raise PhraseError('Say which task and when: "move report to friday 3pm".')
    reference = _reference(MOVE_CONNECTOR.sub("", text[: when.start]))
    return MoveTask(reference, clock.resolve(when), when.says_time)


def _list(text: str, clock: Clock) -> ListTasks:
    text, priority = take_priority(text)
    text, tags = take_tags(text)
    periods = list(LIST_PERIOD.finditer(text))
    states = list(LIST_STATE.finditer(text))
    leftover = LIST_FILLER.sub(" ", cut(text, sorted(match.span() for match in periods + states))).strip()
    if leftover or len(periods) > 1 or len(states) > 1:
        raise PhraseError(
            'I can list tasks by tag ("list #work"), priority ("list urgent"), state ("list done tasks") or '
            'when they are due ("what\'s due today", "list tomorrow", "this week", "overdue").'
        )
    completed = None if not states else states[0]["done"] is not None
    if not periods:
        return ListTasks(completed=completed, priority=priority, tags=tags)
    period = TIDY_SPACES.sub(" ", periods[0]["period"].lower())
    if period in {"overdue", "late"}:
        return ListTasks(overdue=True, completed=completed, priority=priority, tags=tags)
    today = clock.today
    monday = today - timedelta(days=today.weekday())
    first_day, days = {
        "today": (today, 1),
        "tomorrow": (today + timedelta(days=1), 1),
        "this week": (monday, 7),
        "next week": (monday + timedelta(days=7), 7),
    }[period]
    return ListTasks(
        due_from=clock.at(first_day, time(0)),
        due_before=clock.at(first_day + timedelta(days=days), time(0)),
        completed=completed,
        priority=priority,
        tags=tags,
    )
