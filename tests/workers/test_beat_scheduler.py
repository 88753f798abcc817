"""Celery beat, run with the Procfile's command (so workers/beat_scheduler.py), stops cleanly on SIGTERM even
when the signal lands while it waits on PostgreSQL.

The test holds an exclusive lock on django-celery-beat's change marker, which beat reads at every tick, so
beat's query waits; SIGTERM arrives then. Celery's own handler saved the schedule from inside the signal
handler, on the connection the interrupted query still held: beat hung until it was killed (a teardown of
the resilience tests once met it by chance).
"""

import os
import signal
import time
from collections.abc import Iterator

import psycopg
import pytest
import redis
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from tests.support.processes import ManagedProcess, wait_for_log
from tests.support.processes import test_database_url as database_url
from tests.support.procfile import procfile_command
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

STOP_TIMEOUT = 20.0  # seconds: beat stops in about half a second once its query returns


def waiting_on_the_lock(database: psycopg.Connection) -> bool:
    row = database.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE %s",
        ["%django_celery_beat_periodictasks%"],
    ).fetchone()
    return bool(row and row[0])


@pytest.fixture
def beat() -> Iterator[ManagedProcess]:
    """Beat with the Procfile's command, started (its first tick under way); stopped whatever happens."""
    process = ManagedProcess("beat-sigterm", command=procfile_command("beat")).start()
    try:
        wait_for_log(process, "beat: Starting...", timeout=60)
        yield process
    finally:
        process.stop()


def assert_stops_cleanly(beat: ManagedProcess) -> None:
    code = beat.process.wait(STOP_TIMEOUT) if beat.process else None
    assert code == 0, beat.log()[-2000:]
    assert "beat raised exception" not in beat.log()


def test_sigterm_between_ticks_stops_beat_at_once_and_saves_the_schedule(beat):
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("sweeps")  # the queue's messages are beat's own from here on
    wait_for(lambda: broker.llen("sweeps") > 0, timeout=30, message="a sweep sent by beat")
    os.killpg(beat.pid, signal.SIGTERM)
    assert_stops_cleanly(beat)
    # The sweeps ran since the schedule was last saved: the save on the way out wrote when.
    assert PeriodicTask.objects.get(name="enqueue-due-reminders").last_run_at is not None


def test_sigterm_while_beat_waits_on_a_query_stops_it_cleanly(beat):
    with psycopg.connect(database_url()) as database, database.transaction():
        database.execute("LOCK TABLE django_celery_beat_periodictasks IN ACCESS EXCLUSIVE MODE")
        with psycopg.connect(database_url(), autocommit=True) as observer:
            wait_for(
                lambda: waiting_on_the_lock(observer),
                timeout=15,
                message="beat's tick waiting on the locked table",
            )
        os.killpg(beat.pid, signal.SIGTERM)
        time.sleep(1.0)  # the signal is handled while the query still waits
        assert beat.running, "beat left in the middle of its query"
    # The lock is gone with the transaction: the query returns, the tick ends, beat saves and stops.
    assert_stops_cleanly(beat)
