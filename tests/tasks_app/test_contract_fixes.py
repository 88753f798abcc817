"""Behaviour the OpenAPI contract test made exact: each was a 500 or a silent default before."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_instant_outside_the_years_1_to_9999_in_utc_is_400(api, instant):
    response = api.post("tasks", {"title": "Edge", "due_date": instant})
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["due_date"]


def test_a_reminder_offset_before_year_1_is_400(api):
    response = api.post(
        "tasks", {"title": "Edge", "due_date": "0001-01-01T00:00:00Z", "reminder_offset_hours": 1}
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["reminder_offset_hours"]


@pytest.mark.parametrize("params", [{"page": "x"}, {"page": "0"}, {"page_size": "0"}, {"page_size": "many"}])
def test_malformed_paging_is_400_not_a_silent_default(api, params):
    response = api.get("tasks", **params)
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == list(params)


def test_tags_are_one_line_too(api):
    response = api.post("tasks", {"title": "Tagged", "tags": ["ok", "not\nok"]})
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["tags"]


def test_an_unknown_time_zone_is_400_naming_it(api):
    response = api.patch("profile", {"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "timezone": ["'Mars/Olympus' is not an IANA time zone name, e.g. Europe/Paris."]
    }


def test_the_profile_patch_requires_its_time_zone(api):
    assert api.patch("profile", {}).status_code == 400
