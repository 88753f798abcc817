"""The live-updates server: uvicorn serving stream.py's ASGI application, with this process's `Hub`.

`manage.py run_live_updates` runs it. On SIGTERM (or SIGINT) it first ends every open stream, so that
uvicorn's graceful shutdown finds no request left to wait for and clients reconnect to another server
at once, then stops as uvicorn does.
"""

import logging
from types import FrameType

import uvicorn
from django.conf import settings

from live_updates_app import streams
from live_updates_app.hub import Hub

logger = logging.getLogger(__name__)

_hub: Hub | None = None


def current_hub() -> Hub:
    """This process's hub, started on first use in the running event loop."""
    global _hub
    if _hub is None:
        _hub = Hub(streams.async_client(), refresh_seconds=settings.LIVE_UPDATES_HEARTBEAT_SECONDS)
        _hub.start()
    return _hub


class LiveUpdatesServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        hub = _hub
        if hub is not None and not hub.closing:
            logger.info("live updates: ending %d open stream(s) before stopping", _open_streams(hub))
            # A signal handler interrupts the loop's own thread: schedule the close, do not run it here.
            hub.loop.call_soon_threadsafe(lambda: hub.loop.create_task(hub.close()))
        super().handle_exit(sig, frame)


def _open_streams(hub: Hub) -> int:
    return sum(len(user.connections) for user in hub.users.values())
