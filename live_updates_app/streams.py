"""Each user's live-update stream in Redis: its keys, publishing into it, and reading it back.

A user's task changes go into one Redis Stream, `live:stream:{user_id}`, as entries of a `type` (the event
type) and a `data` (the message's JSON, ready to send). The stream is trimmed to about
`LIVE_UPDATES_BACKLOG` entries (`XADD ... MAXLEN ~`) and expires `LIVE_UPDATES_RETENTION_SECONDS` after its
last change: that bounded backlog is what a reconnecting client can resume from. Every publish also names
the user on the `live:wake` channel, which each live-updates server listens to, so no server polls.

An entry's id is its position (`<milliseconds>-<sequence>`, rising), the Server-Sent Event `id` a client
resumes from. A stream opens with a `stream.start` entry, so a position older than the oldest entry left
is either from a stream that is gone (Redis restarted without persistence, or the stream expired) or
behind entries trimmed away: both are answered with `resync` (live_updates_app/hub.py).

Publishing is idempotent by event id: a per-user sorted set remembers the event ids of about twice the
backlog, so an event the bridge hands over twice (redelivered after a crash) is appended once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import redis
import redis.asyncio
from django.conf import settings

WAKE_CHANNEL = "live:wake"
STREAM_START = "stream.start"  # the first entry of every stream; never sent to clients
RESYNC = "resync"

StreamId = tuple[int, int]
ORIGIN: StreamId = (0, 0)  # before every entry


def stream_key(user_id: str) -> str:
    return f"live:stream:{user_id}"


def seen_key(user_id: str) -> str:
    return f"live:seen:{user_id}"


def parse_id(value: str | bytes) -> StreamId | None:
    """A stream position from its text (`1764660000000-3`), or None when it is not one."""
    text = value.decode("ascii", errors="replace") if isinstance(value, bytes) else value
    millis, dash, sequence = text.strip().partition("-")
    if not dash or not millis.isdigit() or not sequence.isdigit() or len(millis) > 20 or len(sequence) > 20:
        return None
    return int(millis), int(sequence)


def format_id(position: StreamId) -> str:
    return f"{position[0]}-{position[1]}"


@dataclass(frozen=True)
class Change:
    """One message for one user's stream: an event type and its JSON, both as sent to clients."""

    user_id: str
    event_id: str
    event_type: str
    data: str


@dataclass(frozen=True)
class Entry:
    position: StreamId
    event_type: str
    data: str

    @property
    def id(self) -> str:
        return format_id(self.position)


# KEYS: per change, its stream and its seen-set. ARGV: backlog, retention (ms), wake channel, then per change
# its event id, user id, type and data. Returns how many changes were new.
_PUBLISH = """
local backlog = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local channel = ARGV[3]
local now = redis.call('TIME')
local score = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local added = 0
for i = 1, #KEYS / 2 do
  local stream, seen = KEYS[2 * i - 1], KEYS[2 * i]
  local at = 3 + (i - 1) * 4
  local event_id, user_id = ARGV[at + 1], ARGV[at + 2]
  if redis.call('ZADD', seen, 'NX', score, event_id) == 1 then
    if redis.call('EXISTS', stream) == 0 then
      redis.call('XADD', stream, '*', 'type', 'stream.start', 'data', '{}')
    end
    redis.call('XADD', stream, 'MAXLEN', '~', backlog, '*', 'type', ARGV[at + 3], 'data', ARGV[at + 4])
    if redis.call('ZCARD', seen) > 2 * backlog then
      redis.call('ZREMRANGEBYRANK', seen, 0, -(2 * backlog + 1))
    end
    redis.call('PEXPIRE', stream, retention)
    redis.call('PEXPIRE', seen, retention)
    redis.call('PUBLISH', channel, user_id)
    added = added + 1
  end
end
return added
"""


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


@cache
def _publish_script(url: str) -> Any:
    return _client(url).register_script(_PUBLISH)  # EVALSHA, loading the script again after a Redis restart


def client() -> redis.Redis:
    """The synchronous client of the live-updates Redis (the bridge's publisher, the ticket API)."""
    return _client(settings.LIVE_UPDATES_REDIS_URL)


ASYNC_POOL_SIZE = 50  # connections of one live-updates server; more reads at once wait for one


def async_client() -> redis.asyncio.Redis:
    """A new asyncio client of the live-updates Redis, for one live-updates server's event loop. Its pool
    makes a burst of reads wait for a connection (up to 10 s) rather than fail."""
    pool = redis.asyncio.BlockingConnectionPool.from_url(
        settings.LIVE_UPDATES_REDIS_URL,
        max_connections=ASYNC_POOL_SIZE,
        timeout=10,
        socket_connect_timeout=5,
        health_check_interval=30,
    )
    return redis.asyncio.Redis(connection_pool=pool)


def publish(changes: Sequence[Change]) -> int:
    """Append the changes to their users' streams and wake the servers; returns how many were new."""
    if not changes:
        return 0
    keys: list[str] = []
    args: list[Any] = [
        settings.LIVE_UPDATES_BACKLOG,
        int(settings.LIVE_UPDATES_RETENTION_SECONDS * 1000),
        WAKE_CHANNEL,
    ]
    for change in changes:
        keys += [stream_key(change.user_id), seen_key(change.user_id)]
        args += [change.event_id, change.user_id, change.event_type, change.data]
    return int(_publish_script(settings.LIVE_UPDATES_REDIS_URL)(keys=keys, args=args))


def _entries(raw: Any) -> list[Entry]:
    entries = []
    for raw_id, fields in raw:
        position = parse_id(raw_id)
        assert position is not None, raw_id
        entries.append(
            Entry(position, fields[b"type"].decode(), fields[b"data"].decode()),
        )
    return entries


async def tail(client: redis.asyncio.Redis, user_id: str) -> StreamId:
    """The position of the user's newest entry, or ORIGIN when the user has no stream."""
    newest = await client.xrevrange(stream_key(user_id), count=1)
    return _entries(newest)[0].position if newest else ORIGIN


async def tails(client: redis.asyncio.Redis, user_ids: Sequence[str]) -> list[StreamId]:
    """The newest position of each user's stream (ORIGIN for none), in one round trip."""
    async with client.pipeline(transaction=False) as pipe:
        for user_id in user_ids:
            pipe.xrevrange(stream_key(user_id), count=1)
        answers = await pipe.execute()
    return [_entries(newest)[0].position if newest else ORIGIN for newest in answers]


async def read_after(
    client: redis.asyncio.Redis, user_id: str, after: StreamId, *, until: StreamId | None = None, count: int
) -> list[Entry]:
    """Up to `count` entries after `after` (exclusive) and up to `until` (inclusive; the newest if None)."""
    raw = await client.xrange(
        stream_key(user_id), min=f"({format_id(after)}", max=format_id(until) if until else "+", count=count
    )
    return _entries(raw)


async def still_holds(client: redis.asyncio.Redis, user_id: str, position: StreamId) -> bool:
    """Whether everything after `position` is still in the user's stream (else the client must resync)."""
    try:
        info = await client.xinfo_stream(stream_key(user_id))
    except redis.ResponseError:
        # No stream: the one `position` came from is gone, unless the client began before there was one.
        return position == ORIGIN
    if position > (parse_id(info["last-generated-id"]) or ORIGIN):
        return False  # a position this stream never had
    first = info.get("first-entry")
    # Older than the oldest entry left: the entries after it may have been trimmed away, or (when the oldest
    # is the stream's `stream.start`) it is a position in a stream that is gone. Trimming does not record
    # what it removed, so a client exactly one entry behind the oldest is told to resync too: harmless.
    if first is None:
        return True
    if position == ORIGIN:  # began before the stream: nothing is missing as long as it starts at its start
        return bool(first[1].get(b"type") == STREAM_START.encode())
    return position >= (parse_id(first[0]) or ORIGIN)
