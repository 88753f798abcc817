"""gunicorn's settings beyond the command line (`gunicorn -c python:todo_project.gunicorn_conf`).

The access log never shows a calendar feed's secret token: a feed URL (`/ical/<token>.ics`) is its only
credential, so its request line is logged as `/ical/<redacted>.ics`.
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
