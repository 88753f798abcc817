"""`POST /api/{user_id}/events/tickets`: a single-use ticket into the user's live-update stream.

Served by the API (WSGI) like every other call with a body; the stream itself is the live-updates
server's (stream.py).
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from live_updates_app.tickets import ticket_issue
from tasks_app.apis import UserApi
from workers.http.schema import error_responses


class TicketOutputSerializer(serializers.Serializer[dict[str, object]]):
    ticket = serializers.CharField(help_text="Pass as `?ticket=` to GET /api/{user_id}/events, once.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid if unused.")


class EventTicketApi(UserApi):
    @extend_schema(
        operation_id="events_ticket_create",
        tags=["live updates"],
        summary="A single-use ticket into the live-update stream",
        description=(
            "For clients that cannot send an `Authorization` header on the stream's request (a browser's "
            "`EventSource`): `GET /api/{user_id}/events?ticket=<ticket>` on the live-updates server accepts "
            "it once, within `expires_in` seconds. No long-lived token ever goes into a URL. Clients that "
            "can send headers (`fetch`) use `Authorization: Bearer <token>` on the stream instead."
        ),
        request=None,
        responses={201: TicketOutputSerializer, **error_responses(401, 403)},
    )
    def post(self, request: Request, user_id: str) -> Response:
        body = {"ticket": ticket_issue(user_id=user_id), "expires_in": settings.LIVE_UPDATES_TICKET_SECONDS}
        return Response(TicketOutputSerializer(body).data, status=status.HTTP_201_CREATED)
