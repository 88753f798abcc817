"""GET /api/{user_id}/tasks: pagination, every filter and every sort, stable order."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import ValidationError

from tasks_app.selectors import TaskFilters
from tasks_app.serializers import _remembered_filters, task_filters
from tests.support.factories import TaskFactory

pytestmark = pytest.mark.django_db

NOW = datetime.now(tz=UTC).replace(microsecond=0)


def ids(response):
    assert response.status_code == 200, response.json()
    return [task["id"] for task in response.json()["results"]]


@pytest.fixture
def tasks(user):
    """Five tasks with distinct values in every filterable and sortable field."""
    specs: list[dict[str, Any]] = [
        dict(title="Banana", priority="low", tags=["home"], due_date=NOW - timedelta(days=2)),
        dict(title="apple", priority="high", tags=["work", "urgent"], due_date=NOW + timedelta(days=1)),
        dict(title="Cherry", priority="medium", tags=["work"], due_date=None, description="pick APPLES"),
        dict(
            title="Date",
            priority="high",
            tags=[],
            due_date=NOW - timedelta(days=1),
            completed=True,
            completed_at=NOW,
        ),
        dict(title="Elder", priority="medium", tags=["home", "work"], due_date=NOW + timedelta(days=3)),
    ]
    created = {}
    for offset, spec in enumerate(specs):
        at = NOW - timedelta(hours=10 - offset)
        created[spec["title"]] = TaskFactory(
            user=user, created_at=at, updated_at=at + timedelta(hours=20 - 3 * offset), **spec
        )
    return created


def test_default_order_is_newest_first(api, tasks):
    assert ids(api.get("tasks")) == [t.id for t in reversed(list(tasks.values()))]


def test_pagination(api, user):
    TaskFactory.create_batch(7, user=user)
    first = api.get("tasks", page_size=3).json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["next"].endswith("page=2&page_size=3")
    last = api.get("tasks", page_size=3, page=3).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert api.get("tasks", page=9).status_code == 404


def test_a_page_and_its_count_are_one_statement(api, user, django_assert_num_queries):
    tasks = TaskFactory.create_batch(7, user=user)
    api.get("tasks")  # the first request syncs the token's claims
    with django_assert_num_queries(1):
        page = api.get("tasks", page_size=3, page=2).json()
    assert page["count"] == 7
    assert page["results"] == api.get("tasks").json()["results"][3:6]  # the same rows, no extra field
    assert page["results"][0].keys() == api.get(f"tasks/{tasks[0].id}").json().keys()


def test_an_empty_list_is_one_empty_page(api, user):
    assert api.get("tasks").json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert api.get("tasks", page=2).status_code == 404


def test_an_empty_page_is_one_statement_with_no_count_apart(api, user, django_assert_num_queries):
    """An empty first page is an empty list, and an empty later page is past the last: neither is counted."""
    api.get("tasks")  # the first request syncs the token's claims
    with django_assert_num_queries(1):
        assert api.get("tasks", search="nothing like it").json()["count"] == 0
    TaskFactory.create_batch(3, user=user)
    with django_assert_num_queries(1):
        past = api.get("tasks", page_size=3, page=2)
    assert past.status_code == 404
    assert past.json()["error"] == {"code": "not_found", "message": "Invalid page.", "details": {}}
    with django_assert_num_queries(1):
        assert api.get("tasks", page_size=2, page=2).json()["count"] == 3


def test_a_search_reads_the_users_rows_once_for_its_page_and_count(api, user):
    """No index serves a search: the page and its count share one pass over the rows (a window), where the
    other lists count by a subquery an index answers."""
    TaskFactory.create_batch(3, user=user, title="an invoice")
    TaskFactory.create_batch(2, user=user, title="a receipt")
    api.get("tasks")  # the first request syncs the token's claims
    with CaptureQueriesContext(connection) as queries:
        page = api.get("tasks", search="INVOICE", page_size=2, page=2).json()
    assert (page["count"], len(page["results"])) == (3, 1)
    [query] = queries.captured_queries
    assert "COUNT(*) OVER ()" in query["sql"]
    assert query["sql"].count("LIKE") == 2  # title or description, once
    with CaptureQueriesContext(connection) as queries:
        assert api.get("tasks", priority="high").status_code == 200
    assert "OVER" not in queries.captured_queries[0]["sql"]


def test_a_page_number_past_any_offset_is_a_404(api, user):
    """Found by the contract test: a page whose offset exceeds PostgreSQL's bigint was a 500."""
    TaskFactory.create_batch(2, user=user)
    for page in (2**62, 10**27):
        response = api.get("tasks", page=page, page_size=50)
        assert response.status_code == 404, response.json()


def test_page_size_is_capped(api, user):
    TaskFactory.create_batch(101, user=user)
    assert len(api.get("tasks", page_size=500).json()["results"]) == 100


def test_default_page_size_is_50(api, user):
    TaskFactory.create_batch(51, user=user)
    assert len(api.get("tasks").json()["results"]) == 50


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"completed": "true"}, ["Date"]),
        ({"completed": "false"}, ["Elder", "Cherry", "apple", "Banana"]),
        ({"priority": "high"}, ["Date", "apple"]),
        ({"tag": "work"}, ["Elder", "Cherry", "apple"]),
        ({"tag": ["work", "home"]}, ["Elder"]),
        ({"tag": ["work", "nope"]}, []),
        ({"search": "APPLE"}, ["Cherry", "apple"]),
        ({"search": "err"}, ["Cherry"]),
        ({"overdue": "true"}, ["Banana"]),
        ({"overdue": "false"}, ["Elder", "Date", "Cherry", "apple"]),
    ],
)
def test_filters(api, tasks, params, expected):
    assert ids(api.get("tasks", **params)) == [tasks[name].id for name in expected]


def test_due_before_and_after(api, tasks):
    before = (NOW + timedelta(hours=1)).isoformat()
    after = (NOW - timedelta(days=1, hours=1)).isoformat()
    assert ids(api.get("tasks", due_before=before, due_after=after, sort="due_date")) == [tasks["Date"].id]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("due_date", ["Banana", "Date", "apple", "Elder", "Cherry"]),
        ("-due_date", ["Elder", "apple", "Date", "Banana", "Cherry"]),
        ("priority", ["apple", "Date", "Cherry", "Elder", "Banana"]),
        ("-priority", ["Banana", "Elder", "Cherry", "Date", "apple"]),
        ("title", ["apple", "Banana", "Cherry", "Date", "Elder"]),
        ("-title", ["Elder", "Date", "Cherry", "Banana", "apple"]),
        ("created_at", ["Banana", "apple", "Cherry", "Date", "Elder"]),
        ("-updated_at", ["Banana", "apple", "Cherry", "Date", "Elder"]),
        ("updated_at", ["Elder", "Date", "Cherry", "apple", "Banana"]),
    ],
)
def test_sorts_are_stable_with_ties_broken_by_id(api, tasks, sort, expected):
    assert ids(api.get("tasks", sort=sort)) == [tasks[name].id for name in expected]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"completed": "maybe"}, "completed"),
        ({"priority": "urgent"}, "priority"),
        ({"sort": "color"}, "sort"),
        ({"due_before": "2030-01-01T00:00:00"}, "due_before"),
        ({"due_after": "soon"}, "due_after"),
        ({"overdue": "perhaps"}, "overdue"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, params, field):
    response = api.get("tasks", **params)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_a_repeated_query_reuses_its_validated_filters_and_lists_the_same(api, tasks):
    query = {"tag": ["work"], "priority": "high", "sort": "title"}
    first = ids(api.get("tasks", **query))
    hits = _remembered_filters.cache_info().hits

    again = ids(api.get("tasks", **query))

    assert first == again == [tasks["apple"].id]
    assert _remembered_filters.cache_info().hits == hits + 1


def test_remembered_filters_do_not_depend_on_the_order_of_the_parameters():
    one = task_filters({"tag": ["home", "work"], "priority": "medium", "completed": "false"})
    other = task_filters({"completed": "false", "priority": "medium", "tag": ["home", "work"]})

    assert one is other  # the same remembered value
    assert one == TaskFilters(completed=False, priority="medium", tags=("home", "work"))
    assert task_filters({"tag": ["work", "home"]}).tags == ("work", "home")  # the tags' order is kept


def test_the_pages_of_one_list_share_its_remembered_filters(api, tasks):
    first = api.get("tasks", tag="work", page_size=1, page=1)
    misses = _remembered_filters.cache_info().misses

    pages = [api.get("tasks", tag="work", page_size=1, page=number) for number in (2, 3)]

    assert [response.status_code for response in pages] == [200, 200]
    assert len({ids(response)[0] for response in [first, *pages]}) == 3
    assert _remembered_filters.cache_info().misses == misses  # a new page is no new entry


def test_each_searched_text_shares_its_lists_remembered_filters(api, tasks):
    """A search box sends a new text with each key typed: the texts are no new entries, and each still
    filters by its own (trimmed) text."""
    api.get("tasks", tag="work", search="a")
    misses = _remembered_filters.cache_info().misses

    typed = {text: ids(api.get("tasks", tag="work", search=text)) for text in ("ap", "  APPLE ", "err", "")}

    assert typed == {
        "ap": [tasks["Cherry"].id, tasks["apple"].id],
        "  APPLE ": [tasks["Cherry"].id, tasks["apple"].id],
        "err": [tasks["Cherry"].id],
        "": [tasks["Elder"].id, tasks["Cherry"].id, tasks["apple"].id],
    }
    assert _remembered_filters.cache_info().misses == misses
    assert task_filters({"tag": ["work"], "search": " err "}) == TaskFilters(tags=("work",), search="err")


def test_a_bad_search_is_refused_with_every_bad_field_named(api):
    remembered = api.get("tasks", priority="high", search="x" * 201)
    both = api.get("tasks", priority="urgent", search="nul\x00")

    assert remembered.status_code == both.status_code == 400
    assert set(remembered.json()["error"]["details"]) == {"search"}
    assert set(both.json()["error"]["details"]) == {"priority", "search"}


def test_a_bad_page_is_refused_with_every_bad_field_named(api):
    remembered = api.get("tasks", priority="high", page="x")
    both = api.get("tasks", priority="urgent", page="0")

    assert remembered.status_code == both.status_code == 400
    assert set(remembered.json()["error"]["details"]) == {"page"}
    assert set(both.json()["error"]["details"]) == {"priority", "page"}


def test_invalid_filters_are_refused_every_time_not_remembered(api):
    responses = [api.get("tasks", priority="urgent") for _ in range(2)]

    assert [response.status_code for response in responses] == [400, 400]
    assert responses[0].json() == responses[1].json()
    with pytest.raises(ValidationError) as error:
        task_filters({"tag": [{"not": "a tag"}]})  # no query string gives this (the assistant's JSON could)
    assert "tag" in error.value.detail
