"""Dead letters whose consumer retries its work itself (settings.DEAD_LETTER_RETRIES): the handler runs in
the retry's transaction instead of a replay; a refusal retries nothing."""

from datetime import UTC, datetime

import pytest

from tests.support.factories import make_dead_letter
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import NotRetryableError, dead_letters_retry, retry_handlers
from workers.events.models import OutboxEvent

pytestmark = pytest.mark.django_db

AT = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
handled_calls: list[tuple[str, datetime]] = []


def _handle(record: DeadLetter, at: datetime) -> None:
    handled_calls.append((record.event_id, at))


def _refuse(record: DeadLetter, at: datetime) -> None:
    raise NotRetryableError(f"{record.event_id}: the work is gone")


HANDLERS = {"handled": _handle, "refusing": _refuse}


@pytest.fixture(autouse=True)
def handlers(settings):
    settings.DEAD_LETTER_RETRIES = f"{__name__}.HANDLERS"
    handled_calls.clear()


def replayed() -> set[str]:
    replays = OutboxEvent.objects.filter(origin=OutboxEvent.Origin.REPLAY)
    return set(replays.values_list("event_id", flat=True))


def test_the_table_is_the_one_the_settings_name():
    assert retry_handlers() is HANDLERS


def test_a_consumer_with_a_handler_retries_itself_and_the_others_are_replayed():
    handled, replayed_one = make_dead_letter(consumer="handled"), make_dead_letter(consumer="recurrence")

    retried = dead_letters_retry(records=[handled, replayed_one], at=AT)

    assert handled_calls == [(handled.event_id, AT)]
    assert replayed() == {replayed_one.event_id}
    assert {record.status for record in retried} == {DeadLetter.Status.RETRIED}


def test_a_handler_refusing_one_record_retries_none():
    other = make_dead_letter(consumer="recurrence")  # first: its replay is written, then rolled back
    refused = make_dead_letter(consumer="refusing")

    with pytest.raises(NotRetryableError, match="the work is gone"):
        dead_letters_retry(records=[other, refused], at=AT)

    assert replayed() == set()
    assert set(DeadLetter.objects.values_list("status", flat=True)) == {DeadLetter.Status.NEW}
