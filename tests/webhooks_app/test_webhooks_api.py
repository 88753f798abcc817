"""The webhooks API: endpoints scoped to their user, the secret, rotation, enabling, the delivery log, and
the targets refused at registration (SSRF): no http, credentials, loopback, private, link-local, IPv6 ULA,
localhost or numeric tricks, unless WEBHOOKS_ALLOW_PRIVATE_TARGETS is on."""

from datetime import UTC, datetime

import pytest

from tests.support.api import Api
from tests.support.factories import UserProfileFactory, make_token
from webhooks_app import addresses
from webhooks_app.models import WebhookDelivery, WebhookEndpoint
from webhooks_app.services import MAX_ENDPOINTS_PER_USER

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14/hooks"  # a public address: accepted without any DNS lookup
ALL_TYPES = ["task.created", "task.deleted", "task.updated"]


def register(api: Api, url: str = PUBLIC, **extra) -> dict:
    response = api.post("webhooks", {"url": url, "event_types": ["task.created"], **extra})
    assert response.status_code == 201, response.json()
    body: dict = response.json()
    return body


def refused(api: Api, url: str) -> str:
    response = api.post("webhooks", {"url": url, "event_types": ["task.created"]})
    assert response.status_code == 400, (url, response.json())
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert list(body["details"]) == ["url"], body
    return str(body["details"]["url"][0])


def test_an_endpoint_is_registered_with_a_signing_secret_of_its_own(api):
    body = register(api, description="CRM sync", event_types=ALL_TYPES)

    assert body["url"] == PUBLIC
    assert body["event_types"] == ALL_TYPES
    assert body["description"] == "CRM sync"
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) > 40
    assert (body["enabled"], body["disabled_reason"], body["consecutive_failures"]) == (True, "", 0)
    second = register(api)
    assert second["secret"] != body["secret"]
    assert [e["id"] for e in api.get("webhooks").json()] == [body["id"], second["id"]]
    assert api.get(f"webhooks/{body['id']}").json() == body


def test_an_endpoint_is_changed_rotated_enabled_and_deleted(api):
    body = register(api)
    changed = api.patch(f"webhooks/{body['id']}", {"event_types": ["task.deleted"], "description": "x"})
    assert changed.status_code == 200
    assert (changed.json()["event_types"], changed.json()["description"]) == (["task.deleted"], "x")
    assert changed.json()["url"] == PUBLIC

    rotated = api.post(f"webhooks/{body['id']}/rotate-secret", None).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != body["secret"]

    WebhookEndpoint.objects.filter(pk=body["id"]).update(
        enabled=False, disabled_reason="Disabled after 20 failed deliveries", consecutive_failures=20
    )
    assert api.get(f"webhooks/{body['id']}").json()["disabled_reason"].startswith("Disabled after 20")
    enabled = api.post(f"webhooks/{body['id']}/enable", None).json()
    assert (enabled["enabled"], enabled["disabled_reason"], enabled["consecutive_failures"]) == (True, "", 0)

    assert api.delete(f"webhooks/{body['id']}").status_code == 204
    assert api.get(f"webhooks/{body['id']}").status_code == 404


def test_the_delivery_log_lists_the_latest_deliveries_first(api):
    body = register(api)
    at = datetime(2030, 1, 1, tzinfo=UTC)
    for n in range(3):
        WebhookDelivery.objects.create(
            endpoint_id=body["id"],
            event_id=f"task.created-{n}-1",
            event_type="task.created",
            task_id=n,
            message={},
            event_created_at=at,
            created_at=at.replace(minute=n),
            updated_at=at,
            status="failed" if n == 2 else "succeeded",
            last_status_code=500 if n == 2 else 200,
            last_error="HTTP 500" if n == 2 else "",
        )

    deliveries = api.get(f"webhooks/{body['id']}/deliveries").json()

    assert [d["event_id"] for d in deliveries] == ["task.created-2-1", "task.created-1-1", "task.created-0-1"]
    assert (deliveries[0]["status"], deliveries[0]["last_status_code"], deliveries[0]["last_error"]) == (
        "failed",
        500,
        "HTTP 500",
    )


def test_another_users_endpoint_is_not_found(api):
    body = register(api)
    other = UserProfileFactory()
    theirs = Api(other.id, make_token(other.id))

    assert theirs.get("webhooks").json() == []
    for response in (
        theirs.get(f"webhooks/{body['id']}"),
        theirs.patch(f"webhooks/{body['id']}", {"description": "mine"}),
        theirs.delete(f"webhooks/{body['id']}"),
        theirs.post(f"webhooks/{body['id']}/rotate-secret", None),
        theirs.post(f"webhooks/{body['id']}/enable", None),
        theirs.get(f"webhooks/{body['id']}/deliveries"),
    ):
        assert response.status_code == 404
    # And the path's user must be the token's.
    assert Api(api.user_id, make_token(other.id)).get("webhooks").status_code == 403
    assert WebhookEndpoint.objects.get(pk=body["id"]).description == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": PUBLIC, "event_types": []}, "event_types"),
        ({"url": PUBLIC, "event_types": ["task.completed"]}, "event_types"),
        ({"url": "ftp://93.184.215.14/x", "event_types": ["task.created"]}, "url"),
        ({"url": "not a url", "event_types": ["task.created"]}, "url"),
        ({"event_types": ["task.created"]}, "url"),
        ({"url": PUBLIC, "event_types": ["task.created"], "description": "two\nlines"}, "description"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(api, body, field):
    response = api.post("webhooks", body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hooks", "https"),
        ("https://user:pass@93.184.215.14/hooks", "credentials"),
        ("https://93.184.215.14/hooks#frag", "fragment"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://127.8.9.10:8443/hooks", "loopback"),
        ("https://10.1.2.3/hooks", "private"),
        ("https://172.16.0.1/hooks", "private"),
        ("https://192.168.1.1/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),  # cloud metadata
        ("https://100.64.0.1/hooks", "not public"),  # shared address space (CGNAT)
        ("https://0.0.0.0/hooks", "unspecified"),
        ("https://224.0.0.1/hooks", "multicast"),
        ("https://240.0.0.1/hooks", "reserved"),
        ("https://[::1]/hooks", "loopback"),
        ("https://[fd12:3456::1]/hooks", "private"),  # IPv6 unique local (ULA)
        ("https://[fe80::1]/hooks", "link-local"),
        ("https://[::ffff:127.0.0.1]/hooks", "loopback"),  # IPv4-mapped
        ("https://[::ffff:10.0.0.1]/hooks", "private"),
        ("https://localhost/hooks", "localhost"),
        ("https://api.localhost/hooks", "localhost"),
        ("https://2130706433/hooks", "canonical"),  # 127.0.0.1 in decimal
        ("https://0x7f000001/hooks", "canonical"),  # in hex
        ("https://0177.0.0.1/hooks", "canonical"),  # in octal
        ("https://127.1/hooks", "canonical"),  # short form
        ("https://0x7f.1/hooks", "canonical"),
    ],
)
def test_targets_that_could_reach_the_internal_network_are_refused(api, url, why):
    assert why in refused(api, url)
    assert not WebhookEndpoint.objects.exists()


def test_a_name_is_refused_when_any_address_it_resolves_to_is_not_public(api, monkeypatch):
    answers = {
        "hooks.example.com": ["93.184.215.14"],
        "inside.example.com": ["10.0.0.7"],
        "mixed.example.com": ["93.184.215.14", "192.168.0.3"],
        "six.example.com": ["fd00::7"],
    }
    monkeypatch.setattr(addresses, "system_resolver", lambda host, port: answers[host])

    assert register(api, "https://hooks.example.com/in")["url"] == "https://hooks.example.com/in"
    assert "10.0.0.7, a private address" in refused(api, "https://inside.example.com/in")
    assert "192.168.0.3" in refused(api, "https://mixed.example.com/in")
    assert "fd00::7" in refused(api, "https://six.example.com/in")


def test_a_name_that_does_not_resolve_is_refused(api):
    assert "cannot be resolved" in refused(api, "https://no-such-host.invalid/hooks")


def test_changing_the_url_is_checked_the_same_way(api):
    body = register(api)
    response = api.patch(f"webhooks/{body['id']}", {"url": "https://10.0.0.1/hooks"})

    assert response.status_code == 400
    assert "private" in response.json()["error"]["details"]["url"][0]
    assert WebhookEndpoint.objects.get(pk=body["id"]).url == PUBLIC


def test_local_targets_over_http_only_when_the_setting_allows_them(api, private_targets):
    assert register(api, "http://127.0.0.1:8080/hooks")["url"] == "http://127.0.0.1:8080/hooks"
    assert register(api, "http://localhost:8080/hooks")["url"] == "http://localhost:8080/hooks"
    assert "credentials" in refused(api, "http://a:b@127.0.0.1/hooks")


def test_a_user_has_at_most_so_many_endpoints(api, user):
    at = datetime(2030, 1, 1, tzinfo=UTC)
    WebhookEndpoint.objects.bulk_create(
        WebhookEndpoint(
            user=user,
            url=PUBLIC,
            event_types=["task.created"],
            secret="whsec_x",
            created_at=at,
            updated_at=at,
        )
        for _ in range(MAX_ENDPOINTS_PER_USER)
    )
    response = api.post("webhooks", {"url": PUBLIC, "event_types": ["task.created"]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_endpoints"


def test_the_admin_shows_endpoints_without_their_secrets_and_deliveries(api, admin_client):
    body = register(api)
    at = datetime(2030, 1, 1, tzinfo=UTC)
    delivery = WebhookDelivery.objects.create(
        endpoint_id=body["id"],
        event_id="task.created-1-1",
        event_type="task.created",
        task_id=1,
        message={},
        event_created_at=at,
        created_at=at,
        updated_at=at,
    )

    for path in (
        "/admin/webhooks_app/webhookendpoint/",
        f"/admin/webhooks_app/webhookendpoint/{body['id']}/change/",
        "/admin/webhooks_app/webhookdelivery/",
        f"/admin/webhooks_app/webhookdelivery/{delivery.pk}/change/",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert body["secret"] not in response.content.decode()
