"""The hub of one live-updates server, in an event loop of the test, against the suite's Redis database."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from live_updates_app import hub as hub_module
from live_updates_app import streams
from live_updates_app.hub import Connection, Hub
from live_updates_app.streams import Change


def _user() -> str:
    return f"hub-{uuid.uuid4().hex[:10]}"


def _publish(user_id: str, *numbers: int) -> None:
    streams.publish([Change(user_id, f"e-{user_id}-{n}", "task.updated", f'{{"n":{n}}}') for n in numbers])


def _parse(message: bytes) -> dict[str, str]:
    fields = {}
    for line in message.decode().strip().split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


async def _take(connection: Connection, count: int, timeout: float = 5) -> list[dict[str, str]]:
    """The next `count` events queued for the connection (an opening `id` without data is no event)."""
    taken: list[dict[str, str]] = []
    async with asyncio.timeout(timeout):
        while len(taken) < count:
            message = await connection.queue.get()
            assert message is not None, "the stream was ended"
            if "data" in _parse(message):
                taken.append(_parse(message))
    return taken


def _opened(connection: Connection) -> Connection:
    """The connection without its opening message: the `id` a new client starts from, without data."""
    opening = connection.queue.get_nowait()
    assert opening is not None
    assert set(_parse(opening)) == {"id"}
    return connection


def _run(scenario: Callable[[Hub], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        hub = Hub(streams.async_client(), refresh_seconds=15)
        hub.start()
        try:
            return await scenario(hub)
        finally:
            await hub.close()

    return asyncio.run(main())


def test_one_read_reaches_every_connection_of_the_user_and_no_one_else():
    alice, bob = _user(), _user()

    async def scenario(hub: Hub) -> None:
        tabs = [_opened(await hub.join(alice, None)) for _ in range(3)]
        bobs = _opened(await hub.join(bob, None))
        await asyncio.sleep(0.1)  # the wake-up subscription is in place
        _publish(alice, 1, 2)
        for tab in tabs:
            messages = await _take(tab, 2)
            assert [message["data"] for message in messages] == ['{"n":1}', '{"n":2}']
            assert [message["event"] for message in messages] == ["task.updated"] * 2
        assert bobs.queue.empty()
        _publish(bob, 7)
        assert [message["data"] for message in await _take(bobs, 1)] == ['{"n":7}']
        assert all(tab.queue.empty() for tab in tabs)

    _run(scenario)


def test_joining_with_a_position_delivers_what_was_missed_then_what_comes():
    user = _user()
    _publish(user, 1, 2, 3, 4)

    async def scenario(hub: Hub) -> None:
        first = await hub.join(user, None)  # a new client starts with what happens next, told where
        entries = await streams.read_after(hub.client, user, streams.ORIGIN, count=10)
        assert _parse(first.queue.get_nowait() or b"") == {"id": entries[-1].id}
        assert first.queue.empty()
        second_id = entries[2].id  # after stream.start, 1: positioned at "2"
        resumed = await hub.join(user, second_id)
        assert [message["data"] for message in await _take(resumed, 2)] == ['{"n":3}', '{"n":4}']
        _publish(user, 5)
        assert [message["data"] for message in await _take(resumed, 1)] == ['{"n":5}']
        assert [message["data"] for message in await _take(first, 1)] == ['{"n":5}']

    _run(scenario)


def test_a_position_not_held_gets_one_resync_then_live_changes():
    user = _user()
    _publish(user, 1)

    async def scenario(hub: Hub) -> None:
        connection = await hub.join(user, "1-0")
        [resync] = await _take(connection, 1)
        assert resync["event"] == "resync"
        tail = await streams.tail(hub.client, user)
        assert resync["id"] == streams.format_id(tail)  # the client carries on from here after reloading
        _publish(user, 2)
        assert [message["data"] for message in await _take(connection, 1)] == ['{"n":2}']

    _run(scenario)


def test_a_stream_reborn_under_an_open_connection_resyncs_it():
    """What an open stream sees when Redis restarts without persistence: the stream starts over."""
    user = _user()
    _publish(user, 1)

    async def scenario(hub: Hub) -> None:
        connection = await hub.join(user, None)
        await hub.client.delete(streams.stream_key(user), streams.seen_key(user))
        _publish(user, 2)
        resync, change = await _take(connection, 2)
        assert resync["event"] == "resync"
        assert change["data"] == '{"n":2}'

    _run(scenario)


def test_a_connection_too_far_behind_is_ended(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(hub_module, "MAX_PENDING", 3)
    user = _user()

    async def scenario(hub: Hub) -> None:
        connection = _opened(await hub.join(user, None))
        await asyncio.sleep(0.1)
        _publish(user, 1, 2, 3, 4, 5)
        async with asyncio.timeout(5):
            while not connection.ended:
                await asyncio.sleep(0.01)
        messages = [connection.queue.get_nowait() for _ in range(connection.queue.qsize())]
        assert messages[-1] is None  # ends after what was queued
        assert len(messages) == 4

    _run(scenario)


def test_closing_the_hub_ends_every_stream_and_refuses_new_ones():
    user = _user()

    async def scenario(hub: Hub) -> list[Connection]:
        connections = [_opened(await hub.join(user, None)) for _ in range(2)]
        await hub.close()
        with pytest.raises(Exception, match="shutting down"):
            await hub.join(user, None)
        return connections

    for connection in _run(scenario):
        assert connection.ended
        assert connection.queue.get_nowait() is None


def test_users_without_connections_are_forgotten():
    user = _user()

    async def scenario(hub: Hub) -> None:
        connections = [await hub.join(user, None) for _ in range(2)]
        for connection in connections:
            hub.leave(connection)
        assert user not in hub.users

    _run(scenario)


def test_a_change_whose_wake_up_was_lost_arrives_with_the_refresh():
    """A wake-up is lost with the connection that carried it; the hub's refresh finds the change anyway."""
    user = _user()

    async def scenario(hub: Hub) -> None:
        connection = _opened(await hub.join(user, None))
        # Appended without the PUBLISH that wakes the servers: as if the wake-up never arrived.
        await hub.client.xadd(streams.stream_key(user), {"type": "task.updated", "data": '{"n":1}'})
        assert [message["data"] for message in await _take(connection, 1, timeout=5)] == ['{"n":1}']

    async def main() -> None:
        hub = Hub(streams.async_client(), refresh_seconds=1)
        hub.start()
        try:
            await scenario(hub)
        finally:
            await hub.close()

    asyncio.run(main())


def test_every_user_of_a_burst_wider_than_the_redis_pool_gets_their_change():
    users = [_user() for _ in range(3 * streams.ASYNC_POOL_SIZE)]

    async def scenario(hub: Hub) -> None:
        connections = [_opened(await hub.join(user, None)) for user in users]
        await asyncio.sleep(0.1)
        for user in users:  # every user woken at once: more reads than the pool has connections
            _publish(user, 1)
        for connection in connections:
            assert [message["data"] for message in await _take(connection, 1, timeout=20)] == ['{"n":1}']

    _run(scenario)
