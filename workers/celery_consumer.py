"""The Celery worker's consumer (setting `worker_consumer`): Celery's own, minus a crash on losing Redis.

Celery 5.7, on losing the broker, first `collect()`s the connection (which tears its transport down) and
then closes it again. With Redis, the first close of the channel can fail part-way (deleting the pidbox
fanout binding needs the server that just went away), so the second close runs the channel's close once
more, now to restore unacknowledged messages through a transport whose client is gone: an AttributeError
that `ignore_errors` does not ignore, and the worker exits with "Unrecoverable error". Nothing is lost by
skipping that second close: the transport is already released, and the unacknowledged messages come back
through the visibility timeout (or went with the Redis that restarted without persistence).
"""

import logging
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer
from kombu import Connection

logger = logging.getLogger(__name__)


class Consumer(CeleryConsumer):
    def on_connection_error_after_connected(self, exc: Exception) -> None:
        connection = self.connection
        if connection is not None:
            # An instance attribute shadows Connection.close for the one call Celery makes below.
            connection.close = _CloseCollected(connection)  # type: ignore[method-assign]
        super().on_connection_error_after_connected(exc)


class _CloseCollected:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        try:
            self.connection.release()
        except AttributeError:
            logger.info("broker connection was already torn down; closing it again is skipped")
