"""Dead letters in Django admin: the list, its filters and search, the read-only detail page, and the
retry, discard and resolve actions (retry checked end to end through the relay and real Kafka)."""

import json
from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from notifications_app.models import Reminder
from tests.support.factories import OLD_FAILURE, failed_reminder_letter, make_dead_letter
from tests.support.kafka import consume
from tests.support.waiting import wait_for
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import dead_letters_close, dead_letters_retry
from workers.events.models import OutboxEvent, ProcessedEvent
from workers.kafka.clients import REMINDERS, TASK_EVENTS, TASK_UPDATES

CHANGELIST = "admin:workers_deadletter_changelist"


@pytest.fixture
def operator(db) -> User:
    """A staff user allowed to see and act on dead letters and to see the outbox."""
    user = User.objects.create_user("operator", password="not-used", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="workers",
            codename__in=[
                "view_deadletter",
                "change_deadletter",
                "view_outboxevent",
                "change_outboxevent",
                "view_processedevent",
            ],
        )
    )
    return user


@pytest.fixture
def operator_client(client: Client, operator: User) -> Client:
    client.force_login(operator)
    return client


def listed(response) -> set[str]:
    """The event ids on the rendered changelist page."""
    assert response.status_code == 200, response
    return {record.event_id for record in response.context["cl"].result_list}


def run_action(client: Client, action: str, records: list[DeadLetter], **extra: str):
    response = client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [record.pk for record in records], **extra},
        follow=True,
    )
    assert response.status_code == 200
    return response


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def three(db) -> dict[str, DeadLetter]:
    """A new, a discarded (failed long ago) and a retried dead letter on three topics."""
    completed = make_dead_letter(message="division by zero in rrule")
    reminder = make_dead_letter(
        event_type="reminder.due", topic=REMINDERS, consumer="reminders", at=OLD_FAILURE, message="smtp down"
    )
    updated = make_dead_letter(event_type="task.updated", topic=TASK_UPDATES, consumer="live-updates")
    dead_letters_close(records=[reminder], status=DeadLetter.Status.DISCARDED, reason="test data")
    dead_letters_retry(records=[updated])
    return {"completed": completed, "reminder": reminder, "updated": updated}


def test_the_list_shows_dead_letters_newest_first(operator_client, three):
    response = operator_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    rows = [record.event_id for record in response.context["cl"].result_list]
    assert rows[-1] == three["reminder"].event_id  # failed in 2025, the others today
    content = response.content.decode()
    for record in three.values():
        assert record.event_id in content
    assert "live-updates" in content
    assert "Retry: publish again to the original topic" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "new"}, {"completed"}),
        ({"status__exact": "discarded"}, {"reminder"}),
        ({"event_type": "task.updated"}, {"updated"}),
        ({"original_topic": REMINDERS}, {"reminder"}),
        ({"last_failed_at__year": "2025", "last_failed_at__month": "1"}, {"reminder"}),
        (
            {"last_failed_at__gte": "2025-01-01T00:00Z", "last_failed_at__lt": "2025-02-01T00:00Z"},
            {"reminder"},
        ),
    ],
)
def test_each_filter_narrows_the_list(operator_client, three, query, expected):
    response = operator_client.get(reverse(CHANGELIST), query)

    assert listed(response) == {three[name].event_id for name in expected}


def filter_link(response, title: str, choice: str) -> str:
    """The query string of a choice the changelist's filter sidebar offers."""
    changelist = response.context["cl"]
    for spec in changelist.filter_specs:
        if spec.title == title:
            for offered in spec.choices(changelist):
                if offered["display"] == choice:
                    return str(offered["query_string"])
    raise AssertionError(f"no filter choice {title} / {choice}")


def test_the_past_seven_days_filter_leaves_out_old_failures(operator_client, three):
    unfiltered = operator_client.get(reverse(CHANGELIST))
    query_string = filter_link(unfiltered, "last failed at", "Past 7 days")

    response = operator_client.get(reverse(CHANGELIST) + query_string)

    assert listed(response) == {three["completed"].event_id, three["updated"].event_id}


def test_search_finds_event_id_user_id_task_id_and_error_text(operator_client, three):
    def search(term: object, **filters: str) -> set[str]:
        return listed(operator_client.get(reverse(CHANGELIST), {"q": str(term), **filters}))

    assert search(three["completed"].event_id) == {three["completed"].event_id}
    assert search(three["reminder"].user_id) == {three["reminder"].event_id}
    assert search(three["updated"].task_id) == {three["updated"].event_id}
    assert search("division by zero") == {three["completed"].event_id}
    # The task id widens the text search but stays within the filters already chosen.
    assert search(three["updated"].task_id, status__exact="new") == set()


def test_the_detail_page_shows_the_envelope_headers_and_traceback_read_only(operator_client, three):
    record = three["completed"]

    response = operator_client.get(reverse("admin:workers_deadletter_change", args=[record.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    envelope = escape(json.dumps(record.envelope, indent=2, sort_keys=True))
    assert f"<pre>{envelope}</pre>" in content
    assert "Water &lt;the&gt; plants" in content  # escaped, never rendered as markup
    assert f"<pre>{escape(json.dumps(record.headers, indent=2, sort_keys=True))}</pre>" in content
    assert "<pre>Traceback (most recent call last):" in content
    assert "RuntimeError: division by zero in rrule" in content
    assert 'name="_save"' not in content
    assert "<textarea" not in content


def test_operators_cannot_edit_add_or_delete_records(operator_client, three):
    record = three["completed"]
    change_url = reverse("admin:workers_deadletter_change", args=[record.pk])

    edited = operator_client.post(change_url, {"status": "resolved", "error_message": "edited"})
    added = operator_client.get(reverse("admin:workers_deadletter_add"))
    deleted = operator_client.post(
        reverse("admin:workers_deadletter_delete", args=[record.pk]), {"post": "yes"}
    )
    bulk_deleted = run_action(operator_client, "delete_selected", [record])

    assert (edited.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    assert "No action selected." in shown_messages(bulk_deleted)
    record.refresh_from_db()
    assert (record.status, record.error_message) == ("new", "division by zero in rrule")


def test_retry_publishes_a_replay_to_the_original_topic(operator_client, operator, three):
    record = three["completed"]

    response = run_action(operator_client, "retry", [record])

    assert shown_messages(response) == ["1 dead letter was published again to its original topic."]
    record.refresh_from_db()
    assert record.status == DeadLetter.Status.RETRIED
    replay = OutboxEvent.objects.get(origin=OutboxEvent.Origin.REPLAY, event_id=record.event_id)
    assert (replay.topic, replay.key, replay.event_id) == (TASK_EVENTS, record.user_id, record.event_id)
    assert replay.payload == record.envelope
    entry = LogEntry.objects.get(object_id=str(record.pk))
    assert (entry.user_id, entry.change_message) == (
        operator.pk,
        "Retried: published again to the original topic.",
    )


def test_retry_of_two_records_in_bulk(operator_client, db):
    first, second = make_dead_letter(), make_dead_letter(topic=REMINDERS, event_type="reminder.due")

    response = run_action(operator_client, "retry", [first, second])

    assert shown_messages(response) == ["2 dead letters were published again to their original topics."]
    assert set(DeadLetter.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        DeadLetter.Status.RETRIED
    }
    replays = OutboxEvent.objects.filter(
        origin=OutboxEvent.Origin.REPLAY, event_id__in=[first.event_id, second.event_id]
    )
    assert {(row.topic, row.event_id) for row in replays} == {
        (TASK_EVENTS, first.event_id),
        (REMINDERS, second.event_id),
    }


def test_a_refused_retry_names_the_records_and_changes_nothing(operator_client, three):
    waiting, discarded = three["completed"], three["reminder"]

    response = run_action(operator_client, "retry", [waiting, discarded])

    [message] = shown_messages(response)
    assert message == f"Nothing was retried. Not waiting for a retry: {discarded.event_id}."
    assert DeadLetter.objects.get(pk=waiting.pk).status == DeadLetter.Status.NEW
    assert not OutboxEvent.objects.filter(
        origin=OutboxEvent.Origin.REPLAY, event_id=waiting.event_id
    ).exists()


def test_retry_of_a_reminder_revives_it_through_its_consumer(operator_client, operator, db):
    reminder, record = failed_reminder_letter()

    response = run_action(operator_client, "retry", [record])

    assert shown_messages(response) == ["1 dead letter was retried by its consumer."]
    assert DeadLetter.objects.get(pk=record.pk).status == DeadLetter.Status.RETRIED
    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SCHEDULED
    assert not OutboxEvent.objects.filter(origin=OutboxEvent.Origin.REPLAY).exists()
    entry = LogEntry.objects.get(object_id=str(record.pk))
    assert (entry.user_id, entry.change_message) == (operator.pk, "Retried by its consumer.")


def test_discard_asks_for_a_reason_on_an_intermediate_page(operator_client, three):
    record = three["completed"]

    page = run_action(operator_client, "discard", [record])
    empty_reason = run_action(operator_client, "discard", [record], confirm="yes", reason="  ")
    record.refresh_from_db()
    status_before_confirming = record.status
    done = run_action(operator_client, "discard", [record], confirm="yes", reason="Duplicate of a fixed bug")

    assert page.templates[0].name == "admin/workers/deadletter/close_confirmation.html"
    assert "Discard 1 dead letter? It stays" in page.content.decode()
    assert record.event_id in page.content.decode()
    assert 'name="reason"' in page.content.decode()
    assert "This field is required." in empty_reason.content.decode()
    assert status_before_confirming == DeadLetter.Status.NEW
    assert shown_messages(done) == ["1 dead letter was marked discarded."]
    record.refresh_from_db()
    assert (record.status, record.status_reason) == ("discarded", "Duplicate of a fixed bug")
    assert record.status_changed_at is not None
    assert (
        LogEntry.objects.get(object_id=str(record.pk)).change_message == "Discarded: Duplicate of a fixed bug"
    )


def test_resolve_with_a_reason(operator_client, three):
    records = [three["completed"], three["updated"]]

    done = run_action(operator_client, "resolve", records, confirm="yes", reason="Fixed by hand")

    assert shown_messages(done) == ["2 dead letters were marked resolved."]
    assert set(
        DeadLetter.objects.filter(pk__in=[r.pk for r in records]).values_list("status", "status_reason")
    ) == {("resolved", "Fixed by hand")}


def test_staff_with_view_permission_only_sees_no_actions(client, three):
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_deadletter"))
    client.force_login(viewer)

    response = client.get(reverse(CHANGELIST))
    refused = run_action(client, "retry", [three["completed"]])

    assert listed(response) == {record.event_id for record in three.values()}
    assert "Retry: publish again" not in response.content.decode()
    assert "Retry: publish again" not in refused.content.decode()
    assert DeadLetter.objects.get(pk=three["completed"].pk).status == DeadLetter.Status.NEW
    assert not OutboxEvent.objects.filter(
        origin=OutboxEvent.Origin.REPLAY, event_id=three["completed"].event_id
    ).exists()


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_only_staff_reach_the_admin(client, db, who):
    if who == "not staff":
        client.force_login(User.objects.create_user("someone"))

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_given_up_outbox_rows_can_be_sent_again(operator_client):
    given_up = OutboxEvent.objects.create(
        topic="task-updates",
        key="u",
        event_id="given-up-1",
        event_type="task.updated",
        payload={},
        attempts=10,
        last_error="UNKNOWN_TOPIC",
        failed_at=datetime.now(tz=UTC),
    )
    published = OutboxEvent.objects.create(
        topic="task-updates",
        key="u",
        event_id="done-1",
        event_type="t",
        payload={},
        published_at=datetime.now(tz=UTC),
    )
    response = operator_client.post(
        reverse("admin:workers_outboxevent_changelist"),
        {"action": "send_again", "_selected_action": [given_up.pk, published.pk]},
        follow=True,
    )

    assert "1 given-up row(s) will be sent again" in response.content.decode()
    given_up.refresh_from_db()
    assert (given_up.failed_at, given_up.attempts, given_up.last_error) == (None, 0, "")
    published.refresh_from_db()
    assert published.published_at is not None


def test_the_outbox_and_processed_events_are_listed_read_only(operator_client, three):
    mine = {record.event_id for record in three.values()}  # each has a copy on a dead-letter topic
    OutboxEvent.objects.filter(event_id=three["updated"].event_id).update(published_at=datetime.now(tz=UTC))
    ProcessedEvent.objects.create(consumer="recurrence", event_id=three["completed"].event_id)
    outbox = reverse("admin:workers_outboxevent_changelist")

    def shown(**query: str) -> set[str]:
        response = operator_client.get(outbox, query)
        assert response.status_code == 200
        return {row.event_id for row in response.context["cl"].result_list} & mine

    processed = operator_client.get(reverse("admin:workers_processedevent_changelist"))
    add = operator_client.get(reverse("admin:workers_outboxevent_add"))

    assert shown() == mine
    assert shown(topic="reminders-dlq") == {three["reminder"].event_id}
    assert shown(published="yes") == {three["updated"].event_id}
    assert shown(published="no", failed="no") == {three["completed"].event_id, three["reminder"].event_id}
    assert shown(failed="yes") == set()
    assert three["completed"].event_id in processed.content.decode()
    assert add.status_code == 403


# --- end to end: the retried event reaches the original topic on the real broker ---------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kafka_topics", "relay")
def test_a_retried_event_is_consumed_again_from_its_original_topic(operator_client):
    record = make_dead_letter()

    run_action(operator_client, "retry", [record])

    # Confirmed delivery first: this run's topics may be seconds old, and a reader that asks for their
    # partitions too early is given none (then it would wait for nothing).
    wait_for(
        lambda: OutboxEvent.objects.filter(
            origin=OutboxEvent.Origin.REPLAY, event_id=record.event_id, published_at__isnull=False
        ).exists(),
        timeout=20,
        message="the relay published the replay",
    )
    received = consume([TASK_EVENTS], keys={record.user_id}, until=lambda got: len(got) >= 1)
    [message] = received
    assert message.value == record.envelope
    assert message.headers["event_id"] == record.event_id
    assert message.headers["event_type"] == "task.completed"
    assert DeadLetter.objects.get(pk=record.pk).status == DeadLetter.Status.RETRIED
