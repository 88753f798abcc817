"""The calendar feed: its secret URL's life (issue, replace, revoke), what it shows, and its recurrences
expanded by a library that shares no code with ours (recurring-ical-events), against recurrence_app."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.db import transaction
from django.test import Client

from recurrence_app.occurrences import next_occurrence
from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token

pytestmark = pytest.mark.django_db


def _issue(api: Api) -> str:
    response = api.client.post(api.url("calendar-feed"))
    assert response.status_code == 201, response.content
    return str(response.json()["url"])


def _fetch(url: str) -> Any:
    return Client().get(urlsplit(url).path)


def _calendar(api: Api) -> icalendar.Calendar:
    response = _fetch(_issue(api))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _create(api: Api, **fields: Any) -> dict[str, Any]:
    response = api.post("tasks", {"title": "A task", **fields})
    assert response.status_code == 201, response.content
    return dict(response.json())


# --- the URL -------------------------------------------------------------------------------------------
def test_a_feed_url_is_issued_once_replaced_on_demand_and_revoked(api: Api, settings):
    assert api.get("calendar-feed").json() == {"enabled": False, "created_at": None}
    first = _issue(api)
    assert first.startswith(f"{settings.PUBLIC_BASE_URL}/ical/")
    assert first.endswith(".ics")
    assert api.get("calendar-feed").json()["enabled"] is True
    assert _fetch(first).status_code == 200

    second = _issue(api)
    assert second != first
    assert _fetch(first).status_code == 404  # the old URL stops working at once
    assert _fetch(second).status_code == 200

    assert api.delete("calendar-feed").status_code == 204
    assert _fetch(second).status_code == 404
    assert api.get("calendar-feed").json() == {"enabled": False, "created_at": None}
    assert api.delete("calendar-feed").status_code == 204  # turning off what is off is no error


def test_only_its_digest_is_stored(api: Api):
    from calendar_feed_app.models import CalendarFeed

    url = _issue(api)
    token = urlsplit(url).path.removeprefix("/ical/").removesuffix(".ics")
    stored = CalendarFeed.objects.get(user_id=api.user_id)
    assert token not in stored.token_digest
    assert len(token) >= 43  # 32 random bytes


def test_the_feed_is_managed_by_its_owner_only(api: Api, user):
    other = UserProfileFactory()
    as_other = Api(other.id, make_token(other.id))
    assert as_other.client.post(f"/api/{user.id}/calendar-feed").status_code == 403
    assert as_other.client.delete(f"/api/{user.id}/calendar-feed").status_code == 403
    assert Api(user.id, None).client.post(api.url("calendar-feed")).status_code == 401


def test_an_unknown_token_is_404_in_the_apis_error_shape(db):
    response = Client().get("/ical/not-a-feed.ics")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Client().post("/ical/not-a-feed.ics").status_code == 405


# --- what it shows -------------------------------------------------------------------------------------
def test_it_shows_the_users_open_tasks_with_due_dates_and_nothing_else(api: Api):
    due = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    shown = _create(
        api,
        title="Pay rent",
        description="Bank transfer",
        due_date=due.isoformat(),
        timezone="Europe/Paris",
        priority="high",
        tags=["home", "money"],
        reminder_at=(due - timedelta(hours=1)).isoformat(),
    )
    _create(api, title="No due date")
    done = _create(api, title="Done already", due_date=due.isoformat())
    assert (
        api.client.patch(
            api.url(f"tasks/{done['id']}/complete"), {"completed": True}, format="json"
        ).status_code
        == 200
    )
    other = UserProfileFactory()
    _create(Api(other.id, make_token(other.id)), title="Someone else's", due_date=due.isoformat())

    calendar = _calendar(api)
    assert [event.summary for event in calendar.events] == ["Pay rent"]
    [event] = calendar.events
    assert event.uid.startswith(f"task-{shown['id']}@")
    assert due == event.DTSTART
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.description == "Bank transfer"
    assert event.priority == 1
    assert sorted(event.categories) == ["home", "money"]
    [alarm] = _alarms(event)
    assert timedelta(hours=-1) == alarm.TRIGGER
    assert [str(zone["TZID"]) for zone in calendar.timezones] == ["Europe/Paris"]


def _alarms(event: icalendar.Event) -> list[icalendar.Alarm]:
    return [component for component in event.subcomponents if isinstance(component, icalendar.Alarm)]


def test_each_pending_reminder_is_an_alarm_of_its_own(api: Api):
    due = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    task = _create(
        api,
        due_date=due.isoformat(),
        reminders=[
            {"before_due": "P1D"},
            {"at": (due - timedelta(hours=3)).isoformat()},
            {"before_due": "PT0S"},
        ],
    )
    from tasks_app.models import Task
    from tasks_app.services import tasks_mark_reminded

    [event] = _calendar(api).events
    assert [alarm.TRIGGER for alarm in _alarms(event)] == [
        timedelta(days=-1),
        timedelta(hours=-3),
        timedelta(0),
    ]

    with transaction.atomic():
        tasks_mark_reminded(reminders=[(task["id"], due - timedelta(days=1))], at=datetime.now(UTC))
    assert Task.objects.get(pk=task["id"]).reminder_sent is False
    [event] = _calendar(api).events
    assert [alarm.TRIGGER for alarm in _alarms(event)] == [timedelta(hours=-3), timedelta(0)]


def test_a_sent_reminder_is_no_alarm_any_more(api: Api):
    due = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    task = _create(api, due_date=due.isoformat(), reminder_at=(due - timedelta(minutes=15)).isoformat())
    from tasks_app.models import Task
    from tests.support.reminders import set_reminders

    reminder = due - timedelta(minutes=15)
    set_reminders(Task.objects.get(pk=task["id"]), reminder, done=(reminder,))
    [event] = _calendar(api).events
    assert not _alarms(event)


def test_a_series_repeated_from_completion_shows_its_open_task_without_a_rule(api: Api):
    due = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    _create(api, due_date=due.isoformat(), recurring_pattern="DAILY", recurrence_anchor="completion")

    [event] = _calendar(api).events

    assert due == event.DTSTART
    assert "RRULE" not in event  # its dates ahead depend on when each one is done


# --- recurrences, expanded by another library ----------------------------------------------------------
# (pattern, zone, first due date on that zone's wall clock, end date of the series or None)
SERIES = [
    # A wall-clock time across both DST changes of New York.
    ("DAILY", "America/New_York", "2026-03-05T09:00", None),
    ("FREQ=DAILY;INTERVAL=3", "America/New_York", "2026-10-20T07:30", None),
    # Across Europe's spring change, on two week days.
    ("FREQ=WEEKLY;BYDAY=MO,TH", "Europe/Berlin", "2026-03-16T18:00", None),
    # Month ends: the 31st skips the shorter months; -1 is every month's last day.
    ("FREQ=MONTHLY;BYMONTHDAY=31", "Asia/Tokyo", "2026-01-31T08:00", None),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "America/Sao_Paulo", "2026-01-31T23:00", None),
    ("FREQ=MONTHLY;BYDAY=-1FR", "Europe/London", "2026-01-30T17:00", None),
    # 29 February: only in leap years.
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "UTC", "2024-02-29T12:00", None),
    # Ends: a COUNT, an UNTIL date (the end of that local day), and the series' own end date.
    ("FREQ=WEEKLY;COUNT=5", "Australia/Sydney", "2026-03-29T10:00", None),
    ("FREQ=DAILY;UNTIL=20261105", "America/New_York", "2026-10-29T23:30", None),
    ("WEEKLY", "Europe/Berlin", "2026-03-02T09:00", "2026-04-20T09:00"),
]


def _ours(pattern: str, zone: str, start: datetime, end: datetime | None, until: datetime) -> list[datetime]:
    occurrences = [start]
    while (
        following := next_occurrence(
            pattern=pattern, series_start=start, after=occurrences[-1], timezone=zone, end=end
        )
    ) is not None and following < until:
        occurrences.append(following)
    return occurrences


@pytest.mark.parametrize(("pattern", "zone", "wall_start", "wall_end"), SERIES)
def test_calendar_apps_expand_a_series_to_recurrence_apps_dates(
    api: Api, pattern: str, zone: str, wall_start: str, wall_end: str | None
):
    start = datetime.fromisoformat(wall_start).replace(tzinfo=ZoneInfo(zone))
    end = datetime.fromisoformat(wall_end).replace(tzinfo=ZoneInfo(zone)) if wall_end else None
    fields: dict[str, Any] = {"due_date": start.isoformat(), "timezone": zone, "recurring_pattern": pattern}
    if end is not None:
        fields["recurring_end_date"] = end.isoformat()
    _create(api, **fields)
    window_end = start + timedelta(days=6000 if "FREQ=YEARLY" in pattern else 800)

    calendar = _calendar(api)
    theirs = [
        event.DTSTART.astimezone(UTC)
        for event in recurring_ical_events.of(calendar).between(start - timedelta(days=1), window_end)
    ]
    ours = [instant.astimezone(UTC) for instant in _ours(pattern, zone, start, end, window_end)]
    assert len(ours) >= 5
    assert theirs == ours
