"""The iCalendar document (RFC 5545) of a user's feed, built with the `icalendar` library.

- Each open task with a due date is a VEVENT at its due instant, written on the wall clock of the task's own
  zone (`DTSTART;TZID=...`), and every zone used gets its VTIMEZONE.
- A recurring task stands for its series: one VEVENT whose DTSTART is the series' first due date (the first
  task's, as recurrence_app computes occurrences from it) and whose RRULE is the task's pattern, shorthands
  spelled out, UNTIL in UTC as RFC 5545 requires next to a TZID, the series' end date folded into it.
  Calendar apps then show every occurrence where recurrence_app will create it, with one exception: a
  wall time that does not exist (inside a spring-forward gap) is moved by one hour by RFC 5545 and to the
  end of the gap by recurrence_app (docs/calendar-feed.md).
- A series repeated from completion has no dates ahead of its open task (each one is counted from the day
  the last was done): that task is a VEVENT of its own, without an RRULE.
- Each pending reminder is a VALARM whose trigger is relative to the start, so it repeats with the series
  (a series' reminders are all written, sent or not: they come back with each occurrence).
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vRecur

from tasks_app.models import Priority, RecurrenceAnchor, Task
from tasks_app.recurrence_rules import SHORTHANDS, check_pattern
from tasks_app.reminders import load

PRODID = "-//Todo platform//Calendar feed//EN"
# RFC 5545 PRIORITY: 1 is the highest, 9 the lowest, 5 the middle.
PRIORITIES = {Priority.HIGH: 1, Priority.MEDIUM: 5, Priority.LOW: 9}
# A feed is asked for again this often by the clients that honour it (REFRESH-INTERVAL, RFC 7986).
REFRESH_INTERVAL = timedelta(minutes=30)


def feed_calendar(tasks: Iterable[Task], *, public_base_url: str, name: str) -> Calendar:
    """The calendar of `tasks` (open, with due dates; each task's `parent_task` loaded)."""
    host = urlsplit(public_base_url).hostname or "localhost"
    calendar = Calendar.new(prodid=PRODID, name=name, refresh_interval=REFRESH_INTERVAL)
    seen_series: set[int] = set()
    first_due: datetime | None = None
    for task in tasks:
        assert task.due_date is not None
        if task.recurring_pattern and task.recurrence_anchor == RecurrenceAnchor.DUE:
            series = task.parent_task_id or task.pk
            if series in seen_series:  # two open tasks of one series: the first one stands for it
                continue
            seen_series.add(series)
            event = _series_event(task, host=host, public_base_url=public_base_url)
        else:
            event = _task_event(
                task, task.due_date, uid=f"task-{task.pk}@{host}", public_base_url=public_base_url
            )
        calendar.add_component(event)
        start = event.DTSTART
        first_due = start if first_due is None or start < first_due else first_due
    earliest = (first_due or datetime.now(UTC)).date() - timedelta(days=366)
    calendar.add_missing_timezones(first_date=earliest, last_date=date(2100, 1, 1))
    return calendar


def _task_event(task: Task, start: datetime, *, uid: str, public_base_url: str) -> Event:
    zone = ZoneInfo(task.timezone)
    event = Event.new(
        uid=uid,
        summary=task.title,
        description=task.description or None,
        start=start.astimezone(zone),
        stamp=task.updated_at,
        last_modified=task.updated_at,
        created=task.created_at,
        categories=list(task.tags),
        priority=PRIORITIES.get(Priority(task.priority), 5),
        url=f"{public_base_url.rstrip('/')}/tasks/{task.pk}",
    )
    for reminder in load(task.reminders, task.due_date):
        if reminder.instant is None or task.due_date is None:
            continue
        if reminder.pending or task.recurring_pattern:  # a series' reminders come back with each occurrence
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", task.title)
            alarm.add("trigger", reminder.instant - task.due_date)  # negative: before the due time
            event.add_component(alarm)
    return event


def _series_event(task: Task, *, host: str, public_base_url: str) -> Event:
    root = task.parent_task
    series_start = root.due_date if root is not None and root.due_date is not None else task.due_date
    assert series_start is not None
    assert task.recurring_pattern
    event = _task_event(
        task,
        series_start,
        uid=f"series-{root.pk if root else task.pk}@{host}",
        public_base_url=public_base_url,
    )
    event.add("rrule", rrule(task.recurring_pattern, ZoneInfo(task.timezone), task.recurring_end_date))
    return event


def rrule(pattern: str, zone: ZoneInfo, series_end: datetime | None) -> vRecur:
    """The task's pattern as an RRULE next to a DTSTART in `zone`: UNTIL in UTC, the series' end folded in.

    recurrence_app reads an UNTIL date as the end of that local day and a floating date-time as local wall
    time; RFC 5545 wants UTC beside a TZID, so both are converted here (tasks_app/recurrence_rules.py).
    """
    normal = check_pattern(pattern)
    body = f"FREQ={normal}" if normal in SHORTHANDS else normal
    parts = dict(item.split("=", 1) for item in body.split(";"))
    until = _until_instant(parts.pop("UNTIL", None), zone)
    if series_end is not None and "COUNT" not in parts:
        until = series_end if until is None else min(until, series_end)
    if until is not None:
        parts["UNTIL"] = until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    recur: vRecur = vRecur.from_ical(";".join(f"{name}={value}" for name, value in parts.items()))
    return recur


def _until_instant(until: str | None, zone: ZoneInfo) -> datetime | None:
    if until is None:
        return None
    if "T" not in until:  # a date: up to the end of that local day
        day = datetime.strptime(until, "%Y%m%d").date()  # noqa: DTZ007 - a date, no time of day
        return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
    if until.endswith("Z"):
        return datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.strptime(until, "%Y%m%dT%H%M%S").replace(tzinfo=zone).astimezone(UTC)
