"""Routes of the calendar feed: its management under /api/ (included there) and the feed (`feed_urlpatterns`,
at the root)."""

from django.urls import path

from calendar_feed_app import apis

urlpatterns = [
    path("<str:user_id>/calendar-feed", apis.CalendarFeedApi.as_view(), name="calendar-feed"),
]

feed_urlpatterns = [
    path("ical/<str:token>.ics", apis.feed, name="calendar-feed-ics"),
]
