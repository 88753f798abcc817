"""The operators' API: who may call it, retrying dead letters by event id, and listing them."""

from datetime import UTC

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from rest_framework.test import APIClient

from notifications_app.models import Reminder
from tests.support.factories import OLD_FAILURE, failed_reminder_letter, make_dead_letter, make_token
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import FailedEvent, dead_letter, dead_letters_close, dead_letters_retry
from workers.events.models import OutboxEvent
from workers.kafka.clients import REMINDERS, TASK_EVENTS

pytestmark = pytest.mark.django_db

OUTPUT_FIELDS = {
    "id",
    "event_id",
    "event_type",
    "task_id",
    "user_id",
    "original_topic",
    "partition",
    "offset",
    "key",
    "consumer",
    "error_class",
    "error_message",
    "attempts",
    "first_failed_at",
    "last_failed_at",
    "status",
    "status_reason",
    "envelope",
    "headers",
}


def client_with(token: str | None = None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def operator() -> APIClient:
    return client_with(make_token("operator-1", role="admin"))


def retry(client: APIClient, body: object):
    return client.post(reverse("dlq-retry"), body, format="json")


def replays() -> set[tuple[str, str]]:
    return set(OutboxEvent.objects.filter(origin=OutboxEvent.Origin.REPLAY).values_list("topic", "event_id"))


def status_of(record: DeadLetter) -> str:
    return DeadLetter.objects.get(pk=record.pk).status


# --- who may call it --------------------------------------------------------------------------------
def test_an_operator_token_retries_an_event(operator):
    record = make_dead_letter()

    response = retry(operator, {"event_id": record.event_id})

    assert response.status_code == 200
    [body] = response.json()
    assert set(body) == OUTPUT_FIELDS
    assert (body["id"], body["status"], body["envelope"]) == (record.pk, "retried", record.envelope)
    assert status_of(record) == DeadLetter.Status.RETRIED
    assert replays() == {(TASK_EVENTS, record.event_id)}


def test_the_role_claim_may_list_several_roles():
    record = make_dead_letter()

    response = retry(
        client_with(make_token("operator-2", role=["user", "admin"])), {"event_id": record.event_id}
    )

    assert response.status_code == 200
    assert status_of(record) == DeadLetter.Status.RETRIED


@pytest.mark.parametrize("claims", [{}, {"role": "user"}, {"role": ["user"]}, {"role": "administrator"}])
def test_an_ordinary_users_token_is_forbidden(claims):
    record = make_dead_letter()

    response = retry(client_with(make_token("someone", **claims)), {"event_id": record.event_id})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert status_of(record) == DeadLetter.Status.NEW
    assert replays() == set()


def test_no_token_is_401_with_a_bearer_challenge():
    record = make_dead_letter()

    response = retry(client_with(), {"event_id": record.event_id})
    listing = client_with().get(reverse("dlq-list"))

    assert (response.status_code, listing.status_code) == (401, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "not_authenticated"
    assert status_of(record) == DeadLetter.Status.NEW


def test_a_forged_token_is_401():
    response = client_with(make_token("operator-1", key="not-the-secret-" * 3, role="admin")).get(
        reverse("dlq-list")
    )

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The token's signature is invalid."


# --- retry ------------------------------------------------------------------------------------------
def test_an_unknown_event_id_is_404(operator):
    response = retry(operator, {"event_id": "task.completed-1-1"})

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "No dead letter for: task.completed-1-1.",
        "details": {},
    }


def test_a_second_retry_is_409(operator):
    record = make_dead_letter()
    assert retry(operator, {"event_id": record.event_id}).status_code == 200

    response = retry(operator, {"event_id": record.event_id})

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_retryable"
    assert record.event_id in error["message"]
    assert len(replays()) == 1


def test_a_discarded_dead_letter_is_409(operator):
    record = make_dead_letter()
    dead_letters_close(records=[record], status=DeadLetter.Status.DISCARDED, reason="noise")

    response = retry(operator, {"event_id": record.event_id})

    assert response.status_code == 409
    assert status_of(record) == DeadLetter.Status.DISCARDED


def test_an_unreadable_record_is_409(operator):
    raw = dead_letter(
        failed=FailedEvent(topic=TASK_EVENTS, consumer="bridge", envelope="{not json", partition=1, offset=7),
        error=ValueError("not JSON"),
    )

    response = retry(operator, {"event_id": raw.event_id})

    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("Not an event, cannot be sent again")
    assert status_of(raw) == DeadLetter.Status.NEW


def test_the_list_form_retries_every_event(operator):
    first, second = make_dead_letter(), make_dead_letter(topic=REMINDERS, event_type="reminder.due")

    response = retry(operator, {"event_ids": [first.event_id, second.event_id, first.event_id]})

    assert response.status_code == 200
    assert {(row["event_id"], row["status"]) for row in response.json()} == {
        (first.event_id, "retried"),
        (second.event_id, "retried"),
    }
    assert replays() == {(TASK_EVENTS, first.event_id), (REMINDERS, second.event_id)}


def test_one_unknown_id_in_the_list_retries_nothing(operator):
    record = make_dead_letter()

    response = retry(operator, {"event_ids": [record.event_id, "task.completed-2-2"]})

    assert response.status_code == 404
    assert "task.completed-2-2" in response.json()["error"]["message"]
    assert status_of(record) == DeadLetter.Status.NEW
    assert replays() == set()


def test_a_reminders_dead_letter_is_retried_by_reviving_the_reminder(operator):
    reminder, record = failed_reminder_letter()

    response = retry(operator, {"event_id": record.event_id})

    assert response.status_code == 200
    [row] = response.json()
    assert (row["consumer"], row["status"]) == ("reminders-delivery", "retried")
    stored = Reminder.objects.get(pk=reminder.pk)
    assert (stored.status, stored.attempts, stored.failure) == (Reminder.Status.SCHEDULED, 0, "")
    assert replays() == set()  # nothing published to the reminders topic


def test_a_reminder_sent_since_its_dead_letter_is_409(operator):
    reminder, record = failed_reminder_letter(status=Reminder.Status.SENT)

    response = retry(operator, {"event_id": record.event_id})

    assert response.status_code == 409
    assert "it is sent" in response.json()["error"]["message"]
    assert status_of(record) == DeadLetter.Status.NEW
    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SENT


def test_an_event_failed_by_two_consumers_retries_the_records_still_waiting(operator):
    by_recurrence = make_dead_letter(consumer="recurrence")
    by_updates = make_dead_letter(consumer="live-updates", envelope=by_recurrence.envelope)
    dead_letters_retry(records=[by_recurrence])

    response = retry(operator, {"event_id": by_recurrence.event_id})

    assert response.status_code == 200
    assert [(row["consumer"], row["status"]) for row in response.json()] == [("live-updates", "retried")]
    assert status_of(by_updates) == DeadLetter.Status.RETRIED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"event_id": "a", "event_ids": ["b"]}, "non_field_errors"),
        ({"event_ids": []}, "event_ids"),
        ({"event_ids": "a"}, "event_ids"),
    ],
)
def test_the_body_names_one_event_or_a_list(operator, body, field):
    response = retry(operator, body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


# --- list -------------------------------------------------------------------------------------------
def listed(client: APIClient, **params: str) -> list[str]:
    response = client.get(reverse("dlq-list"), params)
    assert response.status_code == 200, response.json()
    return [row["event_id"] for row in response.json()["results"]]


def test_the_list_filters_and_searches(operator):
    new = make_dead_letter(message="rrule has no next date")
    old = make_dead_letter(topic=REMINDERS, event_type="reminder.due", consumer="reminders", at=OLD_FAILURE)
    closed = make_dead_letter(event_type="task.updated")
    dead_letters_close(records=[closed], status=DeadLetter.Status.RESOLVED, reason="fixed")

    assert listed(operator) == [closed.event_id, new.event_id, old.event_id]  # latest failure first
    assert listed(operator, status="resolved") == [closed.event_id]
    assert listed(operator, event_type="reminder.due") == [old.event_id]
    assert listed(operator, original_topic=REMINDERS) == [old.event_id]
    assert listed(operator, failed_before="2025-06-01T00:00:00Z") == [old.event_id]
    assert listed(operator, failed_after="2025-06-01T02:00:00+02:00", status="new") == [new.event_id]
    assert listed(operator, search=new.event_id) == [new.event_id]
    assert listed(operator, search=old.user_id) == [old.event_id]
    assert listed(operator, search="no next date") == [new.event_id]
    assert listed(operator, search=str(closed.task_id)) == [closed.event_id]


def test_the_list_is_paginated_and_shows_every_field(operator):
    records = [make_dead_letter() for _ in range(3)]

    response = operator.get(reverse("dlq-list"), {"page_size": 2, "page": 2})

    body = response.json()
    assert (body["count"], len(body["results"]), body["previous"] is not None) == (3, 1, True)
    [row] = body["results"]
    assert set(row) == OUTPUT_FIELDS
    assert row["event_id"] == records[0].event_id
    assert row["last_failed_at"] == records[0].last_failed_at.astimezone(UTC).isoformat().replace(
        "+00:00", "Z"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"failed_after": "2026-03-01T09:00:00"}, "failed_after"),
        ({"failed_before": "yesterday"}, "failed_before"),
        ({"status": "lost"}, "status"),
    ],
)
def test_bad_filters_are_400(operator, params, field):
    response = operator.get(reverse("dlq-list"), params)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


# --- a staff session from the admin login --------------------------------------------------------
def staff_with(*codenames: str, username: str = "operator") -> User:
    """A staff user holding these permissions of the dead-letter model (as the admin grants them)."""
    staff = User.objects.create_user(username, is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="workers", codename__in=codenames)
    )
    assert staff.user_permissions.count() == len(codenames)
    return User.objects.get(pk=staff.pk)  # a fresh instance: permissions are cached per instance


def session_of(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_staff_session_lists_and_retries_with_its_csrf_token():
    record = make_dead_letter()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_with("view_deadletter", "change_deadletter"))

    listing = client.get(reverse("dlq-list"))
    without_token = retry(client, {"event_id": record.event_id})
    client.get(reverse("admin:index"))  # any admin page sets the CSRF cookie, as in a browser
    with_token = client.post(
        reverse("dlq-retry"),
        {"event_id": record.event_id},
        format="json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert [row["event_id"] for row in listing.json()["results"]] == [record.event_id]
    assert without_token.status_code == 403
    assert "CSRF" in without_token.json()["error"]["message"]
    assert with_token.status_code == 200
    assert status_of(record) == DeadLetter.Status.RETRIED


def test_a_session_without_staff_is_forbidden():
    client = APIClient()
    client.force_login(User.objects.create_user("someone"))

    response = client.get(reverse("dlq-list"))

    assert response.status_code == 403


def test_staff_without_the_dead_letter_permissions_is_forbidden_as_in_the_admin():
    record = make_dead_letter()
    client = session_of(staff_with())

    listing = client.get(reverse("dlq-list"))
    retried = retry(client, {"event_id": record.event_id})
    admin_changelist = client.get(reverse("admin:workers_deadletter_changelist"))

    assert (listing.status_code, retried.status_code) == (403, 403)
    assert retried.json()["error"]["code"] == "permission_denied"
    assert admin_changelist.status_code == 403  # the admin refuses this user too
    assert status_of(record) == DeadLetter.Status.NEW
    assert replays() == set()


def test_staff_with_the_view_permission_lists_but_may_not_retry():
    record = make_dead_letter()
    client = session_of(staff_with("view_deadletter"))

    listing = client.get(reverse("dlq-list"))
    retried = retry(client, {"event_id": record.event_id})

    assert listing.status_code == 200
    assert [row["event_id"] for row in listing.json()["results"]] == [record.event_id]
    assert retried.status_code == 403
    assert status_of(record) == DeadLetter.Status.NEW
    assert replays() == set()


def test_staff_with_the_change_permission_retries_and_lists():
    record = make_dead_letter()
    client = session_of(staff_with("change_deadletter"))

    retried = retry(client, {"event_id": record.event_id})
    listing = client.get(reverse("dlq-list"))

    assert retried.status_code == 200
    assert status_of(record) == DeadLetter.Status.RETRIED
    assert replays() == {(TASK_EVENTS, record.event_id)}
    assert listing.status_code == 200  # as in the admin, changing implies viewing


def test_a_superuser_session_needs_no_explicit_permission():
    record = make_dead_letter()
    client = session_of(User.objects.create_superuser("root", password=None))

    assert retry(client, {"event_id": record.event_id}).status_code == 200


def test_the_schema_documents_the_operator_routes():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert schema["paths"]["/api/admin/dlq"]["get"]["operationId"] == "dlq_list"
    retry_operation = schema["paths"]["/api/admin/dlq/retry"]["post"]
    assert set(retry_operation["responses"]) == {"200", "400", "401", "403", "404", "409"}
    assert {"bearerAuth": []} in retry_operation["security"]
