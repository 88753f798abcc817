"""Which reminders a delivery task already enqueued by this process covers (pure, no services)."""

from datetime import UTC, datetime, timedelta

from notifications_app.delivery_slots import DeliverySlots, delivery_start, slot_end

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_a_slot_is_the_second_an_instant_falls_in():
    assert slot_end(at(10)) == at(11)
    assert slot_end(at(10.999)) == at(11)
    assert slot_end(at(11)) == at(12)


def test_a_task_covers_later_instants_of_its_second_until_shortly_before_it_runs():
    slots = DeliverySlots()
    slots.record(at(10.2), now=NOW)

    assert slots.covers(at(10.2), now=NOW)
    assert slots.covers(at(10.9), now=NOW)
    assert not slots.covers(at(10.1), now=NOW)  # earlier than the task: it would be late
    assert not slots.covers(at(11.0), now=NOW)  # the next second
    assert slots.covers(at(10.5), now=at(9.9))
    assert not slots.covers(at(10.5), now=at(10.0))  # within the skew margin of its start: maybe started


def test_an_earlier_task_takes_over_its_second():
    slots = DeliverySlots()
    slots.record(at(10.5), now=NOW)
    slots.record(at(10.1), now=NOW)
    assert slots.covers(at(10.3), now=NOW)

    slots.record(at(10.8), now=NOW)  # a later one does not replace the earlier
    assert slots.covers(at(10.3), now=NOW)


def test_a_started_task_is_replaced_by_the_next_one_of_its_second():
    slots = DeliverySlots()
    slots.record(at(10.1), now=NOW)
    slots.record(at(10.6), now=at(10.2))  # the task at 10.1 may have finished its second already
    assert slots.covers(at(10.7), now=at(10.2))


def test_past_seconds_are_forgotten():
    slots = DeliverySlots()
    for n in range(2000):
        slots.record(at(n), now=at(n - 100))
    assert len(slots._earliest) <= 1100


def test_reminders_due_already_gather_in_a_task_half_a_second_away():
    assert delivery_start(at(10), now=NOW) == at(10)
    assert delivery_start(at(0.2), now=NOW) == at(0.5)  # about to be due
    assert delivery_start(at(-30), now=NOW) == at(0.5)  # enqueued late, behind a backlog

    slots = DeliverySlots()
    slots.record(delivery_start(at(-30), now=NOW), now=NOW)
    later = NOW + timedelta(milliseconds=200)
    assert slots.covers(delivery_start(at(-29), now=later), now=later)
    assert not slots.covers(delivery_start(at(-29), now=at(0.3)), now=at(0.3))
