"""gunicorn's settings beyond the command line (`gunicorn -c python:todo_project.gunicorn_conf`).

The access log never shows a calendar feed's secret token: a feed URL (`/ical/<token>.ics`) is its only
credential, so its request line is logged as `/ical/<redacted>.ics`.

Idle keep-alive connections stay open longer than any client of ours keeps one (see KEEPALIVE_SECONDS).
"""

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

FEED_TOKEN = re.compile(r"(/ical/)[^/?.\s]+")


def redact(text: str) -> str:
    return FEED_TOKEN.sub(r"\1<redacted>", text)


class AccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with the secret parts of request paths redacted from the access log."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "{raw_uri}e", "{path_info}e", "{request_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


logger_class = AccessLogger

# How long an idle keep-alive connection stays open. It must outlast the idle timeout of whoever reuses the
# connection, so that the client, never the server, closes it: the UI's forwarder (Node's fetch keeps an idle
# connection 4 s) and a sidecar or load balancer in front (60 s is common). gunicorn's default, 2 s, closed
# connections that Node was about to reuse, and a busy UI server then sent its request on a closed socket
# ("other side closed"), which the browser saw as "the API cannot be reached". An idle connection costs a
# gthread worker a socket in its poller, not a thread.
KEEPALIVE_SECONDS = 75
keepalive = KEEPALIVE_SECONDS
