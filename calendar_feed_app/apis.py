"""The calendar feed's endpoints: its management under /api/{user_id}/calendar-feed (the user's JWT), and
the feed itself at /ical/<token>.ics (the token in the URL is the only credential, as calendar apps need)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from calendar_feed_app import selectors, services
from calendar_feed_app.ical import feed_calendar
from tasks_app.apis import UserApi
from tasks_app.selectors import user_get
from workers.http.schema import error_responses

FEED_CALENDAR_NAME = "Tasks"


def feed_url(token: str) -> str:
    """The feed's public address: on the UI's origin, which forwards /ical/* to the API."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/ical/{token}.ics"


class FeedStateSerializer(serializers.Serializer[dict[str, object]]):
    enabled = serializers.BooleanField(help_text="Whether a feed URL currently works.")
    created_at = serializers.DateTimeField(allow_null=True, help_text="When the current URL was made.")


class FeedIssuedSerializer(serializers.Serializer[dict[str, object]]):
    url = serializers.URLField(help_text="The secret feed URL. Shown this once: only its digest is kept.")
    created_at = serializers.DateTimeField()


class CalendarFeedApi(UserApi):
    @extend_schema(
        operation_id="calendar_feed_retrieve",
        tags=["calendar feed"],
        summary="Whether the user's calendar feed is on",
        responses={200: FeedStateSerializer, **error_responses(401, 403)},
    )
    def get(self, request: Request, user_id: str) -> Response:
        feed = selectors.feed_get(user=user_get(user_id=user_id))
        body: dict[str, object] = {
            "enabled": feed is not None,
            "created_at": feed.created_at if feed else None,
        }
        return Response(FeedStateSerializer(body).data)

    @extend_schema(
        operation_id="calendar_feed_create",
        tags=["calendar feed"],
        summary="A new secret calendar feed URL (the previous one stops working)",
        description=(
            "Returns the URL of an iCalendar feed (RFC 5545) of the user's open tasks that have due dates: "
            "recurring ones with their RRULE, reminders as alarms. Anyone with the URL can read the feed, so "
            "it is shown once; calling this again replaces it, and DELETE turns the feed off."
        ),
        request=None,
        responses={201: FeedIssuedSerializer, **error_responses(401, 403)},
    )
    def post(self, request: Request, user_id: str) -> Response:
        feed, token = services.feed_issue(user=user_get(user_id=user_id), at=timezone.now())
        body: dict[str, object] = {"url": feed_url(token), "created_at": feed.created_at}
        return Response(FeedIssuedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="calendar_feed_destroy",
        tags=["calendar feed"],
        summary="Turn the calendar feed off (its URL stops working)",
        responses={204: None, **error_responses(401, 403)},
    )
    def delete(self, request: Request, user_id: str) -> Response:
        services.feed_revoke(user=user_get(user_id=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """`GET /ical/<token>.ics`: the feed, or 404 for a token that opens none (never logged: see below)."""
    owner = selectors.feed_owner(token=token)
    if owner is None:
        response: HttpResponse = JsonResponse(
            {"error": {"code": "not_found", "message": "No calendar feed at this address.", "details": {}}},
            status=404,
        )
        # Django logs every 4xx with its path; this path is (or was) a secret.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    calendar = feed_calendar(
        selectors.feed_tasks(user=owner), public_base_url=settings.PUBLIC_BASE_URL, name=FEED_CALENDAR_NAME
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tasks.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
