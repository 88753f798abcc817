"""GET /api/{user_id}/tasks/cursor: the task list read by cursor holds the page form's rows in its order for
every sort and filter, both ways, keeps its place while tasks come and go, and refuses a cursor it did not
make."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from rest_framework.request import Request

from tasks_app.selectors import SORT_FIELDS, TaskFilters, task_list, task_list_prepared
from tests.support.api import Api
from tests.support.factories import TaskFactory, UserProfileFactory, make_token
from workers.http.cursors import CursorPagination
from workers.postgresql import statements

pytestmark = pytest.mark.django_db

NOW = datetime.now(tz=UTC).replace(microsecond=0)
SORTS = [*SORT_FIELDS, *(f"-{name}" for name in SORT_FIELDS)]


@pytest.fixture
def tasks(user):
    """Nine tasks with ties on every sort key: equal creation and update times, due dates (three NULLs),
    priorities and titles that differ only in case; only the id tells them apart."""
    at = NOW - timedelta(days=1)
    specs: list[dict[str, Any]] = [
        dict(title="alpha", priority="high", due_date=NOW, created_at=at),
        dict(title="Alpha", priority="high", due_date=NOW, created_at=at),
        dict(title="beta", priority="low", due_date=None, created_at=at + timedelta(hours=1)),
        dict(title="Beta", priority="medium", due_date=None, created_at=at + timedelta(hours=1)),
        dict(title="gamma", priority="medium", due_date=NOW - timedelta(days=1), created_at=at),
        dict(
            title="delta",
            priority="low",
            due_date=NOW + timedelta(days=1),
            tags=["work", "urgent"],
            created_at=at,
        ),
        dict(
            title="Delta",
            priority="high",
            due_date=NOW + timedelta(days=1),
            tags=["urgent", "work"],
            created_at=at,
        ),
        dict(title="eta", priority="medium", due_date=NOW, tags=["work"], completed=True, created_at=at),
        dict(title="theta", priority="low", due_date=None, tags=["work"], created_at=at + timedelta(hours=2)),
    ]
    return [TaskFactory(user=user, updated_at=spec["created_at"], **spec) for spec in specs]


def page_ids(page: dict[str, Any]) -> list[int]:
    return [task["id"] for task in page["results"]]


def follow(api: Api, url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    assert parts.path == api.url("tasks/cursor"), url
    response = api.client.get(f"{parts.path}?{parts.query}")  # the link as it is, repeated tags and all
    assert response.status_code == 200, response.json()
    page: dict[str, Any] = response.json()
    return page


def walk(api: Api, first: dict[str, Any], link: str) -> list[dict[str, Any]]:
    """The pages from `first` on, following `link` (next or previous) to its end."""
    pages = [first]
    while pages[-1][link] is not None:
        pages.append(follow(api, pages[-1][link]))
        assert len(pages) < 50, "the links go round in a circle"
    return pages


def listed(api: Api, **params: Any) -> list[int]:
    """The page form's order of the same list, as the reference."""
    response = api.get("tasks", page_size=100, **params)
    assert response.status_code == 200, response.json()
    return page_ids(response.json())


@pytest.mark.parametrize("sort", SORTS)
def test_following_next_then_previous_reads_the_lists_order_both_ways(api, tasks, sort):
    first = api.get("tasks/cursor", sort=sort, page_size=2).json()
    forwards = walk(api, first, "next")
    assert [task_id for page in forwards for task_id in page_ids(page)] == listed(api, sort=sort)
    assert [len(page["results"]) for page in forwards] == [2, 2, 2, 2, 1]
    assert first["previous"] is None

    backwards = walk(api, forwards[-1], "previous")
    assert [page_ids(page) for page in reversed(backwards)] == [page_ids(page) for page in forwards]


@pytest.mark.parametrize(
    "params",
    [
        {"completed": "false", "tag": "work"},
        {"priority": "medium", "sort": "-due_date"},
        {"search": "ALPHA", "sort": "title"},
        {"overdue": "false", "sort": "priority"},
        {"due_after": (NOW - timedelta(hours=1)).isoformat(), "sort": "due_date"},
    ],
)
def test_filters_narrow_the_list_as_in_the_page_form(api, tasks, params):
    pages = walk(api, api.get("tasks/cursor", page_size=1, **params).json(), "next")
    assert [task_id for page in pages for task_id in page_ids(page)] == listed(api, **params)


def test_a_page_is_one_statement_with_no_count(api, tasks, django_assert_num_queries):
    api.get("tasks/cursor")  # the first request syncs the token's claims
    first = api.get("tasks/cursor", page_size=3).json()
    with django_assert_num_queries(1):
        second = follow(api, first["next"])
    assert set(second) == {"next", "previous", "results"}
    assert second["results"] == api.get("tasks").json()["results"][3:6]  # the same rows, no extra field


def test_an_empty_list_is_one_empty_page(api, user):
    assert api.get("tasks/cursor").json() == {"next": None, "previous": None, "results": []}


def test_the_links_keep_the_filters_and_the_page_size(api, tasks):
    first = api.get("tasks/cursor", sort="title", tag=["work", "urgent"], page_size=1).json()
    query = parse_qs(urlsplit(first["next"]).query)
    assert query["sort"] == ["title"]
    assert query["tag"] == ["work", "urgent"]
    assert query["page_size"] == ["1"]
    second = follow(api, first["next"])
    assert page_ids(first) + page_ids(second) == listed(api, sort="title", tag=["work", "urgent"])
    assert second["next"] is None


def test_a_task_added_or_removed_before_the_place_moves_no_row_across_pages(api, tasks):
    first = api.get("tasks/cursor", page_size=3).json()
    TaskFactory(user=tasks[0].user, created_at=NOW)  # the newest: before every row read so far
    api.delete(f"tasks/{first['results'][0]['id']}")
    second = follow(api, first["next"])
    # The page form would now repeat the first page's last row (one added, one removed: same offset) and
    # skip none; by cursor the second page simply goes on after that row.
    assert page_ids(second) == listed(api)[3:6]
    assert not set(page_ids(first)) & set(page_ids(second))


def test_past_the_last_row_after_deletions_the_previous_link_leads_to_the_last_page(api, tasks):
    first = api.get("tasks/cursor", page_size=5).json()
    second_ids = page_ids(follow(api, first["next"]))
    for task_id in second_ids:
        api.delete(f"tasks/{task_id}")
    emptied = follow(api, first["next"])
    assert emptied["results"] == []
    assert emptied["next"] is None
    assert page_ids(follow(api, emptied["previous"])) == page_ids(first)


def test_before_the_first_row_the_next_link_is_the_first_page(api, tasks):
    first = api.get("tasks/cursor", page_size=3).json()
    second = follow(api, first["next"])
    for task_id in page_ids(first):
        api.delete(f"tasks/{task_id}")
    emptied = follow(api, second["previous"])
    assert emptied["results"] == []
    assert emptied["previous"] is None
    assert "cursor=" not in emptied["next"]
    assert page_ids(follow(api, emptied["next"]))[:3] == page_ids(second)


@pytest.mark.parametrize("cursor", ["nonsense", "e30:1rDqPz:abc", "a" * 500])
def test_a_cursor_it_did_not_make_is_a_400_naming_it(api, tasks, cursor):
    response = api.get("tasks/cursor", cursor=cursor)
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"cursor"}


def test_a_garbled_cursor_is_a_400(api, tasks):
    token = parse_qs(urlsplit(api.get("tasks/cursor", page_size=2).json()["next"]).query)["cursor"][0]
    garbled = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert api.get("tasks/cursor", cursor=garbled).status_code == 400
    assert api.get("tasks/cursor", cursor=token).status_code == 200


def test_a_cursor_of_another_sort_is_a_400(api, tasks):
    token = parse_qs(urlsplit(api.get("tasks/cursor", sort="title", page_size=2).json()["next"]).query)
    response = api.get("tasks/cursor", sort="-created_at", cursor=token["cursor"][0])
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"cursor"}


def test_another_users_cursor_shows_only_the_callers_own_tasks(api, tasks):
    stranger = UserProfileFactory()
    TaskFactory.create_batch(3, user=stranger, created_at=NOW - timedelta(days=2))
    other = Api(stranger.id, make_token(stranger.id))
    token = parse_qs(urlsplit(api.get("tasks/cursor", page_size=2).json()["next"]).query)["cursor"][0]
    shown = other.get("tasks/cursor", cursor=token)
    assert shown.status_code == 200
    assert {task["user_id"] for task in shown.json()["results"]} <= {stranger.id}
    assert not set(page_ids(shown.json())) & {task.id for task in tasks}


def test_bad_filters_are_a_400_as_in_the_page_form(api, tasks):
    response = api.get("tasks/cursor", sort="colour", page_size=0)
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"sort", "page_size"}


def the_query(user_id: str) -> Any:
    return task_list(user_id=user_id, filters=TaskFilters(), now=NOW).values("id")


def the_statement(user_id: str, sort: str = "-created_at") -> Any:
    return task_list_prepared(user_id=user_id, filters=TaskFilters(sort=sort), now=NOW, fields=("id",))


def paged(rows: Any, rf: Any, **params: Any) -> tuple[list[int], dict[str, str | None]]:
    """One page of `rows` read by cursor: its ids and its links' cursors."""
    paginator = CursorPagination()
    page = paginator.paginate_queryset(rows, Request(rf.get("/", params)))
    links = paginator.get_paginated_response([]).data
    return [row["id"] for row in page], {
        way: None if links[way] is None else parse_qs(urlsplit(links[way]).query).get("cursor", [""])[0]
        for way in ("next", "previous")
    }


def walked(rows: Any, rf: Any) -> list[list[int]]:
    """Every page of `rows`, two at a time: forwards to the last, then backwards to the first."""
    pages = []
    ids, links = paged(rows, rf, page_size=2)
    pages.append(ids)
    for way in ("next", "previous"):
        while links[way] is not None:
            ids, links = paged(rows, rf, page_size=2, cursor=links[way])
            pages.append(ids)
            assert len(pages) < 50, "the links go round in a circle"
    return pages


@pytest.mark.parametrize("sort", SORTS)
def test_a_statement_compiled_once_reads_what_the_query_reads(tasks, user, rf, sort):
    """The API reads by cursor through a statement compiled once for the list's shape (a Prepared list, the
    cursor's keys bound): page for page, both ways, what the ORM's query gives, NULLs and ties included."""
    query = task_list(user_id=user.id, filters=TaskFilters(sort=sort), now=NOW).values("id")
    assert walked(the_statement(user.id, sort), rf) == walked(query, rf)


def test_one_statement_serves_every_place_of_every_user(tasks, user, rf):
    walked(the_statement(user.id), rf)
    made_before = statements._cache.made
    other = UserProfileFactory()
    TaskFactory.create_batch(7, user=other)
    assert len(walked(the_statement(other.id), rf)) == 7  # 4 pages forwards, 3 back
    assert statements._cache.made == made_before


@pytest.mark.parametrize("rows", [the_query, the_statement], ids=["query", "statement"])
def test_a_page_at_a_place_reads_the_index_from_that_place(user, rf, rows):
    """The default list's index is read from the cursor's row on (created_at is in the index condition), not
    from the user's newest task with the place as a mere filter; in order, with no sort. (As in
    test_task_list_indexes.py, the planner is told to avoid anything but an index on a table this small.)"""
    TaskFactory.create_batch(5, user=user)
    _, links = paged(rows(user.id), rf, page_size=2)

    executed: list[tuple[str, Any]] = []

    def capture(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        paged(rows(user.id), rf, cursor=links["next"])
    ((sql, params),) = executed
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")  # the test's transaction ends them
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tasks_user_created_idx" in plan, plan
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "created_at" in index_condition, plan
    assert "Sort" not in plan, plan
