"""The per-user streams in the suite's live-updates Redis database: publishing, trimming, positions."""

import asyncio
import uuid

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from live_updates_app import streams
from live_updates_app.streams import ORIGIN, Change


@pytest.fixture
def user_id() -> str:
    return f"streams-{uuid.uuid4().hex[:10]}"


def _raw() -> redis.Redis:
    return redis.Redis.from_url(settings.LIVE_UPDATES_REDIS_URL)


def _change(user_id: str, n: int, event_type: str = "task.updated") -> Change:
    return Change(user_id, f"{event_type}-{n}", event_type, f'{{"n":{n}}}')


def _read(user_id: str, after: streams.StreamId = ORIGIN) -> list[streams.Entry]:
    async def read() -> list[streams.Entry]:
        client = streams.async_client()
        try:
            return await streams.read_after(client, user_id, after, count=10_000)
        finally:
            await client.aclose()

    return asyncio.run(read())


def _holds(user_id: str, position: streams.StreamId) -> bool:
    async def check() -> bool:
        client = streams.async_client()
        try:
            return await streams.still_holds(client, user_id, position)
        finally:
            await client.aclose()

    return asyncio.run(check())


def test_a_stream_opens_with_its_start_and_keeps_changes_in_order(user_id):
    assert streams.publish([_change(user_id, 1), _change(user_id, 2, "task.deleted")]) == 2
    entries = _read(user_id)
    assert [entry.event_type for entry in entries] == ["stream.start", "task.updated", "task.deleted"]
    assert [entry.data for entry in entries[1:]] == ['{"n":1}', '{"n":2}']
    assert [entry.position for entry in entries] == sorted(entry.position for entry in entries)


def test_publishing_the_same_event_again_appends_nothing(user_id):
    streams.publish([_change(user_id, 1)])
    assert streams.publish([_change(user_id, 1), _change(user_id, 1)]) == 0
    assert streams.publish([_change(user_id, 2)]) == 1
    assert [entry.data for entry in _read(user_id)[1:]] == ['{"n":1}', '{"n":2}']


def test_every_publish_wakes_the_servers_with_the_user_id(user_id):
    pubsub = _raw().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(streams.WAKE_CHANNEL)
    pubsub.get_message(timeout=1)
    streams.publish([_change(user_id, 1)])
    message = pubsub.get_message(timeout=5)
    pubsub.close()
    assert message is not None
    assert message["data"] == user_id.encode()


def test_the_backlog_is_bounded_and_expires(user_id):
    with override_settings(LIVE_UPDATES_BACKLOG=10, LIVE_UPDATES_RETENTION_SECONDS=3600):
        for n in range(500):
            streams.publish([_change(user_id, n)])
    length = _raw().xlen(streams.stream_key(user_id))
    assert 10 <= length <= 200  # `MAXLEN ~` trims whole nodes (100 entries each by default)
    assert 3590 <= _raw().ttl(streams.stream_key(user_id)) <= 3600
    assert _raw().zcard(streams.seen_key(user_id)) <= 20


def test_positions_the_stream_still_holds(user_id):
    assert _holds(user_id, ORIGIN)
    assert not _holds(user_id, (1, 0))  # no stream at all: the one the position came from is gone

    streams.publish([_change(user_id, n) for n in range(3)])
    start, first, second, third = (entry.position for entry in _read(user_id))
    assert _holds(user_id, first)
    assert _holds(user_id, third)
    assert _holds(user_id, start)
    assert _holds(user_id, ORIGIN)  # began before the stream, which still starts at its start
    assert not _holds(user_id, (start[0] - 1, 0))  # older than the stream's start: from a lost stream
    assert not _holds(user_id, (third[0] + 1, 0))  # a position this stream never had

    with override_settings(LIVE_UPDATES_BACKLOG=5):
        for n in range(300):
            streams.publish([_change(user_id, 100 + n)])
    assert not _holds(user_id, second)  # trimmed away since
    newest = _read(user_id)[-1].position
    assert _holds(user_id, newest)
    assert not _holds(user_id, ORIGIN)  # a client from before the stream began has missed what was trimmed


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("1764660000000-3", (1764660000000, 3)),
        (b"0-0", (0, 0)),
        (" 12-0 ", (12, 0)),
        ("12", None),
        ("-1-0", None),
        ("a-b", None),
        ("1" * 21 + "-0", None),
        ("", None),
    ],
)
def test_parse_id(text, position):
    assert streams.parse_id(text) == position
