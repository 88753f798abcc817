"""`manage.py run_live_updates`: the live-updates server (ASGI, uvicorn) until SIGTERM or SIGINT."""

from typing import Any

import uvicorn
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.management.base import BaseCommand, CommandParser
from prometheus_client import start_http_server

from live_updates_app.server import LiveUpdatesServer
from live_updates_app.stream import application

# Seconds uvicorn waits for requests to finish on shutdown; streams end at once, so this bounds the rest.
GRACEFUL_SHUTDOWN_SECONDS = 10


class Command(BaseCommand):
    help = "Serve GET /api/{user_id}/events (Server-Sent Events); the health probes from Django's ASGI app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--metrics-port", type=int, default=None, help="serve /metrics on this port")

    def handle(self, *args: Any, host: str, port: int, metrics_port: int | None, **options: Any) -> None:
        if metrics_port:
            start_http_server(metrics_port, addr=settings.METRICS_ADDRESS)
        config = uvicorn.Config(
            application(get_asgi_application()),
            host=host,
            port=port,
            loop="uvloop",
            http="httptools",
            lifespan="off",  # nothing to start: the hub starts on first use
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            log_config=None,  # Django's LOGGING formats uvicorn's lines too
            server_header=False,
        )
        LiveUpdatesServer(config).run()
