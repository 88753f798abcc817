"""Celery's worker consumer and kombu's Redis transport, minus two crashes on losing Redis (the settings
`worker_consumer` and `broker_transport`). Each crash ends the worker with "Unrecoverable error" on a lost
broker connection, which Celery otherwise rides out: it reconnects, and messages not acknowledged come
back through the visibility timeout (or went with a Redis restarted without persistence).

1. Closing twice. Celery 5.7, on losing the broker, first `collect()`s the connection (which tears its
   transport down) and then closes it again. With Redis, the first close of the channel can fail part-way
   (deleting the pidbox fanout binding needs the server that just went away), so the second close runs the
   channel's close once more, now to restore unacknowledged messages through a transport whose client is
   gone: an AttributeError that `ignore_errors` does not ignore. Nothing is lost by skipping that second
   close: the transport is already released.
2. Acknowledging on the lost connection. A task that finishes while Redis is away acknowledges its message
   once the worker has reconnected, on the channel of the connection it came on. That channel's transport
   has no client any more, and kombu fails the acknowledgement with an AttributeError rather than a
   connection error, which Celery would log ("Couldn't ack") and ride out. The channel here raises the
   connection error. The message itself went back to the queue when the connection was lost (or with the
   restarted Redis): its task runs again, and the tasks are idempotent.
"""

import logging
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer
from kombu import Connection
from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError

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


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:  # the connection this channel belonged to was released
            raise RedisConnectionError("this channel's broker connection is closed")
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]  # private
        return params


class Transport(redis.Transport):
    Channel = Channel
