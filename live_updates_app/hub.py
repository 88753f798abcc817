"""The fan-out inside one live-updates server: users' streams in Redis out to their open connections.

One `Hub` per server process (its event loop). It listens to the `live:wake` channel; when a user with
open connections here is named, it reads that user's new entries once (`XRANGE` after the last one it
read) and offers them to each of the user's connections, which keep their own position. So one Redis read
serves every tab a user has open, and a user without a connection here costs nothing but the wake-up.

A connection joins with the position its client last saw (`Last-Event-ID`): it first gets what it missed
from the backlog, or one `resync` when the backlog no longer holds it, then the live entries. Wake-ups are
fire and forget: when the channel's connection comes back after a Redis failure, and every heartbeat
interval besides, every user here is read again, so a lost wake-up delays an entry, never drops it.
"""

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

import redis
import redis.asyncio
from prometheus_client import Counter, Gauge

from live_updates_app import streams
from live_updates_app.streams import ORIGIN, RESYNC, STREAM_START, Entry, StreamId

logger = logging.getLogger(__name__)

READ_BATCH = 500
RETRY_READ_SECONDS = 1.0  # a user whose read failed (Redis busy or away) is read again this much later
REFRESH_BATCH = 500  # users whose newest entry one pipelined round trip asks for
# A connection that falls this far behind (a client that does not read) is ended; its client resumes
# from the backlog when it reconnects, and the server does not hold an unbounded queue for it.
MAX_PENDING = 2000
RECONNECT_DELAY_MAX = 5.0

CONNECTIONS = Gauge("live_updates_connections", "Open live-update streams on this server")
SENT = Counter("live_updates_messages", "Messages queued for live-update streams", ["kind"])
ENDED = Counter("live_updates_ended", "Live-update streams ended by the server", ["reason"])


def _message(entry_id: str, event_type: str, data: str) -> bytes:
    return f"id: {entry_id}\nevent: {event_type}\ndata: {data}\n\n".encode()


def resync_message(position: StreamId, reason: str) -> bytes:
    data = json.dumps({"type": RESYNC, "reason": reason}, separators=(",", ":"))
    return _message(streams.format_id(position), RESYNC, data)


@dataclass(eq=False)
class Connection:
    """One open stream: what is queued for it, and the position of the newest entry queued."""

    user_id: str
    position: StreamId = ORIGIN
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    ended: bool = False

    def offer(self, entry: Entry, message: bytes) -> None:
        if self.ended or entry.position <= self.position:
            return
        if entry.event_type == STREAM_START:
            if self.position != ORIGIN:  # the stream this client followed is gone, with what it held
                self._put(resync_message(entry.position, "The live-update backlog was lost."))
                SENT.labels(kind="resync").inc()
        else:
            self._put(message)
            SENT.labels(kind="change").inc()
        self.position = entry.position

    def _put(self, message: bytes) -> None:
        if self.queue.qsize() >= MAX_PENDING:
            self.end("behind")
            return
        self.queue.put_nowait(message)

    def end(self, reason: str) -> None:
        """Finish the stream after what is queued; its client reconnects and resumes."""
        if not self.ended:
            self.close()
            ENDED.labels(reason=reason).inc()

    def close(self) -> None:
        """Finish the stream: the client went away."""
        if not self.ended:
            self.ended = True
            self.queue.put_nowait(None)


@dataclass(eq=False)
class _User:
    cursor: StreamId | None = None  # the newest entry read for this user's connections here
    connections: set[Connection] = field(default_factory=set)
    members: int = 0  # connections joined or joining: the state is dropped only at zero
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    dirty: bool = False
    reading: bool = False


class Hub:
    def __init__(self, client: redis.asyncio.Redis, *, refresh_seconds: float) -> None:
        self.client = client
        self.loop = asyncio.get_running_loop()
        self.refresh_seconds = refresh_seconds
        self.users: dict[str, _User] = {}
        self.closing = False
        self._listener: asyncio.Task[None] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._readers: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="live-updates-wake")

    async def close(self) -> None:
        """End every stream (their clients reconnect elsewhere) and stop listening."""
        if self.closing:
            return
        self.closing = True
        for user in self.users.values():
            for connection in user.connections:
                connection.end("shutdown")
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self.client.aclose()

    async def join(self, user_id: str, last_event_id: str | None) -> Connection:
        """A connection for the user, holding what it missed since `last_event_id` (or a `resync`).

        Raises redis.RedisError when Redis cannot be read: the caller answers 503 and the client retries.
        """
        if self.closing:
            raise redis.ConnectionError("the server is shutting down")
        user = self.users.setdefault(user_id, _User())
        user.members += 1
        connection = Connection(user_id)
        try:
            async with user.lock:
                await self._catch_up(user, connection, last_event_id)
                user.connections.add(connection)
        except BaseException:
            self._leave_state(user_id, user)
            raise
        CONNECTIONS.inc()
        self.wake(user_id)  # entries that arrived while this connection caught up
        return connection

    def leave(self, connection: Connection) -> None:
        user = self.users.get(connection.user_id)
        if user is not None and connection in user.connections:
            user.connections.discard(connection)
            CONNECTIONS.dec()
            self._leave_state(connection.user_id, user)

    def wake(self, user_id: str) -> None:
        """Read the user's new entries soon, unless nobody here follows the user."""
        user = self.users.get(user_id)
        if user is None or not user.connections:
            return
        user.dirty = True
        if not user.reading:
            user.reading = True
            task = asyncio.create_task(self._read(user_id, user))
            self._readers.add(task)
            task.add_done_callback(self._readers.discard)

    def _leave_state(self, user_id: str, user: _User) -> None:
        user.members -= 1
        if user.members == 0 and self.users.get(user_id) is user:
            del self.users[user_id]

    async def _catch_up(self, user: _User, connection: Connection, last_event_id: str | None) -> None:
        if user.cursor is None:
            user.cursor = await streams.tail(self.client, connection.user_id)
        if last_event_id is None:
            # A new client starts with what happens next, and is told where that is: an `id` without data
            # (no event), so that reconnecting before the first change resumes exactly.
            connection.position = user.cursor
            connection.queue.put_nowait(f"id: {streams.format_id(user.cursor)}\n\n".encode())
            return
        position = streams.parse_id(last_event_id)
        if position is None or not await streams.still_holds(self.client, connection.user_id, position):
            connection.position = user.cursor
            connection.queue.put_nowait(resync_message(connection.position, "Missed changes are gone."))
            SENT.labels(kind="resync").inc()
            return
        connection.position = position
        while connection.position < user.cursor:
            entries = await streams.read_after(
                self.client, connection.user_id, connection.position, until=user.cursor, count=READ_BATCH
            )
            if not entries:
                break
            for entry in entries:
                connection.offer(entry, _message(entry.id, entry.event_type, entry.data))

    async def _read(self, user_id: str, user: _User) -> None:
        try:
            while user.dirty and user.connections and not self.closing:
                user.dirty = False
                async with user.lock:
                    await self._read_new(user_id, user)
        except (redis.RedisError, OSError) as error:
            logger.warning("live updates: reading %s's stream failed: %s", user_id, type(error).__name__)
            user.dirty = True  # not lost: read again shortly, whether or not another change wakes it
            self.loop.call_later(RETRY_READ_SECONDS, self.wake, user_id)
        finally:
            user.reading = False

    async def _read_new(self, user_id: str, user: _User) -> None:
        while True:
            assert user.cursor is not None
            entries = await streams.read_after(self.client, user_id, user.cursor, count=READ_BATCH)
            for entry in entries:
                message = _message(entry.id, entry.event_type, entry.data)  # encoded once for every tab
                for connection in user.connections:
                    connection.offer(entry, message)
                user.cursor = entry.position
            if len(entries) < READ_BATCH:
                return

    def _refresh_soon(self) -> None:
        """Read every user here whose stream has entries past what was read (lost wake-ups), unless a
        refresh is still running."""
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh(), name="live-updates-refresh")

    async def _refresh(self) -> None:
        # One pipelined round trip per batch of users (their newest ids), not a read per user: a burst of
        # reads for every user at once would queue for the connection pool.
        user_ids = [user_id for user_id, user in self.users.items() if user.cursor is not None]
        try:
            for start in range(0, len(user_ids), REFRESH_BATCH):
                batch = user_ids[start : start + REFRESH_BATCH]
                for user_id, newest in zip(batch, await streams.tails(self.client, batch), strict=True):
                    user = self.users.get(user_id)
                    if user is not None and user.cursor is not None and newest > user.cursor:
                        self.wake(user_id)
        except (redis.RedisError, OSError) as error:
            logger.warning("live updates: refresh failed (%s)", type(error).__name__)

    async def _listen(self) -> None:
        delay = 0.2
        while not self.closing:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(streams.WAKE_CHANNEL)
                delay = 0.2
                self._refresh_soon()  # what was published while this server was not listening
                loop = asyncio.get_running_loop()
                next_refresh = loop.time() + self.refresh_seconds
                while not self.closing:
                    message = await pubsub.get_message(timeout=max(0.0, next_refresh - loop.time()))
                    if message is not None and message["type"] == "message":
                        self.wake(message["data"].decode())
                    if loop.time() >= next_refresh:
                        self._refresh_soon()
                        next_refresh = loop.time() + self.refresh_seconds
            except (redis.RedisError, OSError) as error:
                logger.warning("live updates: wake-up channel lost (%s)", type(error).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_DELAY_MAX)
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    await pubsub.aclose()
