"""GET/PATCH /api/{user_id}/profile."""

import pytest

pytestmark = pytest.mark.django_db


def test_get_profile(api, user):
    response = api.get("profile")
    assert response.status_code == 200
    assert response.json() == {"id": user.id, "email": user.email, "name": user.name, "timezone": "UTC"}


def test_patch_sets_the_timezone_used_by_new_tasks(api, user):
    response = api.patch("profile", {"timezone": "Pacific/Kiritimati"})

    assert response.status_code == 200
    assert response.json()["timezone"] == "Pacific/Kiritimati"
    user.refresh_from_db()
    assert user.timezone == "Pacific/Kiritimati"
    assert api.post("tasks", {"title": "t"}).json()["timezone"] == "Pacific/Kiritimati"


def test_patch_rejects_an_unknown_timezone(api):
    response = api.patch("profile", {"timezone": "Europe/Atlantis"})
    assert response.status_code == 400
    assert "timezone" in response.json()["error"]["details"]


def test_email_and_name_are_not_writable(api, user):
    api.patch("profile", {"timezone": "UTC", "email": "evil@example.com"})
    user.refresh_from_db()
    assert user.email != "evil@example.com"
