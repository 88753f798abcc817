"""Routes of live updates under /api/: the stream (the live-updates server's) and its tickets (the API's)."""

from django.urls import path

from live_updates_app import apis, views

urlpatterns = [
    path("<str:user_id>/events", views.task_events, name="task-events"),
    path("<str:user_id>/events/tickets", apis.EventTicketApi.as_view(), name="task-events-ticket"),
]
