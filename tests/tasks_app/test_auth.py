"""JWT verification and user isolation: the 401/403/404 matrix, HS256 and JWKS (EdDSA, ES256, RS256)."""

import os
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.cache import cache
from django.db import connection

from tasks_app.models import UserProfile
from tasks_app.services import user_sync_from_claims
from tests.support.api import Api
from tests.support.factories import TaskFactory, UserProfileFactory, make_token
from tests.support.jwks import JwksServer
from workers.http.authentication import _jwks_client

pytestmark = pytest.mark.django_db


def as_user(user_id, token):
    return Api(user_id, token)


def assert_401(response, fragment):
    assert response.status_code == 401, response.content
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert fragment.lower() in error["message"].lower(), error


def test_no_token_is_401(user):
    assert_401(as_user(user.id, None).get("tasks"), "credentials were not provided")


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer a b", "Token x.y.z"])
def test_malformed_authorization_header_is_401(user, header):
    api = as_user(user.id, None)
    api.client.credentials(HTTP_AUTHORIZATION=header)
    assert_401(api.get("tasks"), "Bearer")


def test_malformed_token_is_401(user):
    assert_401(as_user(user.id, "not.a.jwt").get("tasks"), "malformed")


def test_token_signed_with_the_wrong_key_is_401(user):
    token = make_token(user.id, key="another-secret-of-sufficient-length-0123456789")
    assert_401(as_user(user.id, token).get("tasks"), "signature")


def test_expired_token_is_401(user):
    token = make_token(user.id, expires_in=timedelta(minutes=-5))
    assert_401(as_user(user.id, token).get("tasks"), "expired")


def test_token_without_exp_is_401(user, settings):
    token = jwt.encode({"sub": user.id}, settings.BETTER_AUTH_SECRET, algorithm="HS256")
    assert_401(as_user(user.id, token).get("tasks"), "'exp'")


def test_token_without_sub_is_401(user):
    assert_401(as_user(user.id, make_token(None)).get("tasks"), "'sub'")


def test_alg_none_is_401(user):
    token = jwt.encode({"sub": user.id, "exp": 4102444800}, key="", algorithm="none")
    assert_401(as_user(user.id, token).get("tasks"), "algorithm")


def test_hs384_is_401(user, settings):
    token = make_token(user.id, algorithm="HS384")
    assert_401(as_user(user.id, token).get("tasks"), "algorithm")


def test_issuer_and_audience_are_checked_when_configured(user, settings):
    settings.JWT_ISSUER = "https://auth.example"
    settings.JWT_AUDIENCE = "todo-api"
    good = make_token(user.id, iss="https://auth.example", aud="todo-api")
    assert as_user(user.id, good).get("tasks").status_code == 200
    assert_401(
        as_user(user.id, make_token(user.id, iss="https://evil", aud="todo-api")).get("tasks"), "issuer"
    )
    assert_401(
        as_user(user.id, make_token(user.id, iss="https://auth.example", aud="other")).get("tasks"),
        "audience",
    )


def test_another_users_path_is_403(api):
    other = UserProfileFactory()
    response = api.client.get(f"/api/{other.id}/tasks")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_another_users_task_is_404_like_a_missing_one(api):
    theirs = TaskFactory()
    for method in ("get", "delete"):
        response = getattr(api, method)(f"tasks/{theirs.id}")
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": "Task not found.",
            "details": {},
        }
    assert api.patch(f"tasks/{theirs.id}", {"title": "mine now"}).status_code == 404
    assert api.patch(f"tasks/{theirs.id}/complete", {"completed": True}).status_code == 404
    assert api.get("tasks/999999999").json() == api.get(f"tasks/{theirs.id}").json()
    theirs.refresh_from_db()
    assert theirs.title != "mine now"
    assert theirs.completed is False


def test_list_shows_only_the_callers_tasks(api, user):
    TaskFactory.create_batch(3)
    mine = TaskFactory(user=user)
    body = api.get("tasks").json()
    assert [task["id"] for task in body["results"]] == [mine.id]


def test_first_request_creates_the_user_from_claims():
    token = make_token("new-user-1", email="ada@example.com", name="Ada", zoneinfo="Europe/London")
    response = as_user("new-user-1", token).get("profile")

    assert response.status_code == 200
    assert response.json() == {
        "id": "new-user-1",
        "email": "ada@example.com",
        "name": "Ada",
        "timezone": "Europe/London",
    }


def test_changed_claims_refresh_the_user_but_keep_the_timezone(user):
    user.timezone = "Asia/Tokyo"
    user.save()
    token = make_token(user.id, email="renamed@example.com", name="Renamed")
    as_user(user.id, token).get("tasks")

    user.refresh_from_db()
    assert (user.email, user.name, user.timezone) == ("renamed@example.com", "Renamed", "Asia/Tokyo")


def test_a_token_without_email_or_name_keeps_the_stored_ones(user):
    as_user(user.id, make_token(user.id)).get("tasks")

    stored = UserProfile.objects.get(pk=user.id)
    assert (stored.email, stored.name) == (user.email, user.name)


def row_place(user_id):
    """The physical place of the user's row: an UPDATE moves it, even within one transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM users WHERE id = %s", [user_id])
        return cursor.fetchone()[0]


def test_a_sync_is_one_statement_that_writes_only_what_changed(user, django_assert_num_queries):
    cache.clear()  # each sync below misses the cache (as each user's first request to a process)
    claims = {"sub": user.id, "email": user.email, "name": user.name}
    place = row_place(user.id)
    with django_assert_num_queries(1):
        user_sync_from_claims(claims=claims)
    assert row_place(user.id) == place  # unchanged claims: the row is not written

    with django_assert_num_queries(1):
        user_sync_from_claims(claims={**claims, "name": "Renamed"})
    assert row_place(user.id) != place
    assert UserProfile.objects.get(pk=user.id).name == "Renamed"

    with django_assert_num_queries(1):
        user_sync_from_claims(claims={"sub": "new-user-2", "zoneinfo": "Asia/Tokyo"})
    created = UserProfile.objects.get(pk="new-user-2")
    assert (created.email, created.name, created.timezone) == ("", "", "Asia/Tokyo")


def test_unchanged_claims_do_not_touch_the_users_table(api, user, django_assert_num_queries):
    TaskFactory(user=user)
    api.get("tasks")  # first request: the claims are checked against the row
    UserProfile.objects.filter(pk=user.id).update(name="changed elsewhere")
    with django_assert_num_queries(1):  # the page of tasks with its count; no users query
        api.get("tasks")
    user.refresh_from_db()
    assert user.name == "changed elsewhere"


# --- asymmetric keys from a JWKS URL ---------------------------------------------------------------
# The identity provider (Better Auth) is outside this system: a real HTTP server in the test serves
# its key set (tests/support/jwks.py), so the verification path (fetch, cache, kid lookup) is the
# production one.


@pytest.fixture
def jwks(settings):
    server = JwksServer()
    settings.JWKS_URL = server.url
    settings.BETTER_AUTH_SECRET = ""  # only asymmetric keys are configured
    settings.JWKS_REFRESH_COOLDOWN_SECONDS = 0
    _jwks_client.cache_clear()
    yield server
    server.close()
    _jwks_client.cache_clear()


PRIVATE_KEYS = {
    "EdDSA": lambda: ed25519.Ed25519PrivateKey.generate(),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
def test_asymmetric_tokens_verify_against_the_jwks(jwks, user, algorithm):
    key = PRIVATE_KEYS[algorithm]()
    jwks.add("k1", key, algorithm)
    token = make_token(user.id, key=key, algorithm=algorithm, headers={"kid": "k1"})

    assert as_user(user.id, token).get("tasks").status_code == 200


def test_unknown_kid_refreshes_the_key_set_once(jwks, user):
    first = ed25519.Ed25519PrivateKey.generate()
    jwks.add("k1", first, "EdDSA")
    api = as_user(user.id, make_token(user.id, key=first, algorithm="EdDSA", headers={"kid": "k1"}))
    assert api.get("tasks").status_code == 200
    assert api.get("tasks").status_code == 200
    assert jwks.fetches == 1  # cached

    rotated = ed25519.Ed25519PrivateKey.generate()
    jwks.add("k2", rotated, "EdDSA")
    token = make_token(user.id, key=rotated, algorithm="EdDSA", headers={"kid": "k2"})
    assert as_user(user.id, token).get("tasks").status_code == 200
    assert jwks.fetches == 2


def test_token_from_a_key_not_in_the_set_is_401(jwks, user):
    jwks.add("k1", ed25519.Ed25519PrivateKey.generate(), "EdDSA")
    stranger = ed25519.Ed25519PrivateKey.generate()
    token = make_token(user.id, key=stranger, algorithm="EdDSA", headers={"kid": "k1"})
    assert_401(as_user(user.id, token).get("tasks"), "signature")


def test_hs256_token_is_401_when_only_jwks_is_configured(jwks, user, settings):
    # The classic confusion: an HS256 token "signed" with a public key's bytes must not verify. Nor does
    # one signed with the secret this run configured before the fixture turned HS256 off.
    key = ed25519.Ed25519PrivateKey.generate()
    jwks.add("k1", key, "EdDSA")
    token = make_token(user.id, key=os.environ["TEST_BETTER_AUTH_SECRET"])
    assert_401(as_user(user.id, token).get("tasks"), "HS256")


def test_with_no_key_configured_every_token_is_401(user, settings):
    settings.BETTER_AUTH_SECRET = ""
    settings.JWKS_URL = ""
    signing_key = ed25519.Ed25519PrivateKey.generate()

    assert_401(as_user(user.id, make_token(user.id, key="k" * 40)).get("tasks"), "HS256")
    eddsa = make_token(user.id, key=signing_key, algorithm="EdDSA", headers={"kid": "k1"})
    assert_401(as_user(user.id, eddsa).get("tasks"), "EdDSA")
