"""Routes of live updates under /api/ on the API: the stream's tickets. The stream itself is the
live-updates server's (stream.py), outside Django's routing."""

from django.urls import path

from live_updates_app import apis

urlpatterns = [
    path("<str:user_id>/events/tickets", apis.EventTicketApi.as_view(), name="task-events-ticket"),
]
