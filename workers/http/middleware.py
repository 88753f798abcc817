"""Django's cookie middlewares (sessions, CSRF, the signed-in user, messages), skipped by API requests that
authenticate by their token.

An API request with an `Authorization` header is authenticated by that header alone: DRF's first
authenticator (JwtAuthentication) either accepts the token or refuses the request, so no session is read,
no CSRF token is checked (SessionAuthentication's own check comes after the session), and no message is
shown. These four still cost about 0.14 ms of CPU per API request (docs/operations.md); here each skips
itself for such a request. The admin, Swagger UI, and an operator's session-authenticated call to the
dead-letter API (no `Authorization` header) go through all of them as before. Each subclasses Django's, so
the admin's system checks (admin.E408-E410) still find them.
"""

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import csrf

API_PREFIX = "/api/"


def authenticated_by_token(request: HttpRequest) -> bool:
    """An API request with a non-empty `Authorization` header: JwtAuthentication accepts or refuses it (an
    empty header is no credential, and the next authenticator, a session, may still be asked)."""
    return bool(request.META.get("HTTP_AUTHORIZATION")) and request.path_info.startswith(API_PREFIX)


class SkippedByTokenRequests:
    """Put before a Django middleware class: the middleware's whole work is skipped for a token request."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if authenticated_by_token(request):
            skipped: HttpResponseBase = self.get_response(request)  # type: ignore[attr-defined]
            return skipped
        response: HttpResponseBase = super().__call__(request)  # type: ignore[misc]
        return response


class SessionMiddleware(SkippedByTokenRequests, sessions.SessionMiddleware):
    pass


class CsrfViewMiddleware(SkippedByTokenRequests, csrf.CsrfViewMiddleware):
    # Its `process_view` still runs (Django calls it for every view): the API's views are exempt, and any
    # other view sees a request without a CSRF cookie, which is what a token client sends anyway.
    pass


class AuthenticationMiddleware(SkippedByTokenRequests, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(SkippedByTokenRequests, messages.MessageMiddleware):
    pass
