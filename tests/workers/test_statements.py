"""Statements compiled once and bound per run (workers/postgresql/statements.py).

On the task list: a page run through one gives what the ORM's query gives, for every filter and sort, for
each user and each time, and the cached statement holds none of the values it is run with. On the lookups of
one task or user: the same model instances as the ORM's, scoped to the caller, and a task locked as the ORM
locks it. On the writes of one row: the same rows and instances as the ORM's create() and save(update_fields).
"""

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.paginator import EmptyPage
from django.db import DatabaseError, IntegrityError, OperationalError, connections, transaction
from django.db.models import JSONField
from django.db.models.functions import Now
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from tasks_app import selectors
from tasks_app.models import IdempotencyKey, Task, UserProfile
from tasks_app.outputs import TASK_OUTPUT_FIELDS
from tests.support.factories import TaskFactory, UserProfileFactory
from workers.http.serializers import CountingPaginator
from workers.postgresql import statements

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def two_users() -> list[Any]:
    """Two users with tasks that differ in every filtered and sorted column, reminders included."""
    users = [UserProfileFactory(), UserProfileFactory()]
    for number, user in enumerate(users):
        for offset in range(6):
            at = NOW - timedelta(hours=20 - offset - number)
            TaskFactory(
                user=user,
                title=f"{'Apple' if offset % 2 else 'pear'} {number}-{offset}",
                description="ripe APPLES" if offset == 3 else "",
                priority=("low", "medium", "high")[offset % 3],
                tags=[["work"], ["home"], ["work", "home"], []][offset % 4],
                due_date=None if offset == 2 else NOW + timedelta(days=offset - 3 + number),
                reminders=[{"before_due": 1800}] if offset == 4 else [],
                completed=offset == 5,
                completed_at=NOW if offset == 5 else None,
                created_at=at,
                updated_at=at + timedelta(hours=6 - offset),
            )
    return users


FILTERS = [
    selectors.TaskFilters(),
    selectors.TaskFilters(completed=False, priority="high"),
    selectors.TaskFilters(tags=("work",), sort="-due_date"),
    selectors.TaskFilters(tags=("work", "home"), sort="due_date"),
    selectors.TaskFilters(search="apple", sort="title"),
    selectors.TaskFilters(search="50%_\\", sort="-title"),  # LIKE's special characters are plain text
    selectors.TaskFilters(overdue=True, sort="priority"),
    selectors.TaskFilters(overdue=False, sort="-priority"),
    selectors.TaskFilters(due_before=NOW, due_after=NOW - timedelta(days=5), sort="-updated_at"),
]


def page(rows: Any, number: int, size: int) -> tuple[list[dict[str, Any]], int]:
    paginator = CountingPaginator(rows, size)
    return list(paginator.page(number).object_list), paginator.count


@pytest.mark.parametrize("filters", FILTERS, ids=lambda filters: repr(filters)[12:-1] or "none")
def test_a_prepared_page_is_the_orms_page_for_each_user_and_time(two_users, filters):
    for user in two_users:
        for now in (NOW, NOW + timedelta(days=2)):  # a task becomes overdue in between
            orm = selectors.task_list(user_id=user.id, filters=filters, now=now).values(*TASK_OUTPUT_FIELDS)
            prepared = selectors.task_list_prepared(
                user_id=user.id, filters=filters, now=now, fields=TASK_OUTPUT_FIELDS
            )
            for number in (1, 2):
                try:
                    expected = page(orm, number, 2)
                except EmptyPage:
                    with pytest.raises(EmptyPage):
                        page(prepared, number, 2)
                    continue
                assert page(prepared, number, 2) == expected
                assert {row["user_id"] for row in expected[0]} <= {user.id}


def test_one_statement_serves_every_user_with_their_own_rows(two_users):
    made_before = statements._cache.made
    pages = {}
    for user in two_users:
        prepared = selectors.task_list_prepared(
            user_id=user.id, filters=selectors.TaskFilters(priority="low"), now=NOW, fields=TASK_OUTPUT_FIELDS
        )
        pages[user.id] = page(prepared, 1, 49)
    assert statements._cache.made - made_before <= 1  # none if an earlier test made it
    for user in two_users:
        rows, count = pages[user.id]
        assert count == 2
        assert {row["user_id"] for row in rows} == {user.id}


def test_the_cached_statement_holds_no_value_it_was_run_with(two_users):
    first, _ = two_users
    filters = selectors.TaskFilters(overdue=True, tags=("work",), priority="high", search="pear")
    prepared = selectors.task_list_prepared(user_id=first.id, filters=filters, now=NOW, fields=("id",))
    page(prepared, 1, 2)

    def compiled_again() -> Any:
        raise AssertionError("the page's statement was not kept")

    statement = statements.statement((prepared.key, 0, 2), compiled_again)  # the page's window: 0, 2 rows
    for value in (first.id, "work", "pear"):
        assert value not in statement.sql
    for value in (first.id, NOW, ["work"], "pear"):
        assert value not in statement.params
    assert "high" in statement.params  # a filter of a few values is part of the key, so of the SQL
    assert sorted(param.name for param in statement.params if isinstance(param, statements._Slot)) == [
        "now",
        "search",
        "search",
        "tags",
        "user_id",
    ]  # a search is counted by a window over its page: one statement, its text matched in two columns


def test_one_statement_serves_every_searched_text_tag_and_date(two_users):
    """Searches, tags and dates take any value: bound, not compiled into a statement each, so that a stream
    of them neither compiles every request nor pushes the common statements out of the cache."""
    first, _ = two_users
    varied = [
        [selectors.TaskFilters(search=text, sort="title") for text in ("apple", "PEAR", "50%_\\", "ripe")],
        [selectors.TaskFilters(tags=tags) for tags in (("work",), ("home",), ("work", "home"), ("none",))],
        [
            selectors.TaskFilters(due_before=NOW + timedelta(days=days), due_after=NOW - timedelta(days=days))
            for days in (0, 1, 2, 5)
        ],
    ]
    for filters_of_one_shape in varied:
        made_before = statements._cache.made
        for filters in filters_of_one_shape:
            orm = selectors.task_list(user_id=first.id, filters=filters, now=NOW).values(*TASK_OUTPUT_FIELDS)
            prepared = selectors.task_list_prepared(
                user_id=first.id, filters=filters, now=NOW, fields=TASK_OUTPUT_FIELDS
            )
            assert page(prepared, 1, 50) == page(orm, 1, 50)
        assert statements._cache.made - made_before <= 1  # none if an earlier test made it


def test_rows_are_converted_as_the_orm_converts_them(two_users):
    """The JSON column arrives as Python data, not as its text, as from `values()`."""
    first, _ = two_users
    prepared = selectors.task_list_prepared(
        user_id=first.id, filters=selectors.TaskFilters(), now=NOW, fields=("id", "reminders")
    )
    rows, _ = page(prepared, 1, 50)
    assert {"before_due": 1800} in [reminder for row in rows for reminder in row["reminders"]]


def test_a_json_column_reads_as_the_orm_reads_it_whatever_it_holds():
    """The statement decodes JSON without `json.loads`'s layers; numbers beyond 64 bits, floats, text and
    nesting come back exactly as the ORM gives them."""
    user = UserProfileFactory()
    held = [{"n": 10**30, "x": -1.25, "text": '\u00e9\u2028 \\ "', "nested": [[], {}, None, True]}]
    task = TaskFactory(user=user, reminders=held)
    prepared = selectors.task_list_prepared(
        user_id=user.id, filters=selectors.TaskFilters(), now=NOW, fields=("id", "reminders")
    )
    rows, _ = page(prepared, 1, 50)
    assert (
        rows
        == list(Task.objects.filter(pk=task.pk).values("id", "reminders"))
        == [{"id": task.pk, "reminders": held}]
    )


def test_a_json_field_that_decodes_in_its_own_way_keeps_its_way():
    class Tagged(JSONField):
        def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
            return ("tagged", super().from_db_value(value, expression, connection))

    loader = statements._json_loader(Tagged().from_db_value)
    assert loader('{"a": 1}', None, None) == ("tagged", {"a": 1})
    plain = statements._json_loader(JSONField().from_db_value)
    assert plain('{"a": 1}', None, None) == {"a": 1}
    assert plain(" [1] ", None, None) == [1]  # what raw_decode does not read whole, the field reads
    assert plain("not json", None, None) == "not json"  # as the field gives it back


@pytest.mark.parametrize("filters", FILTERS, ids=lambda filters: repr(filters)[12:-1] or "none")
def test_the_statement_is_the_orms_sql_so_its_plans_are_the_same(two_users, filters):
    """The ORM's SQL: character for character (but for the parentheses the ORM puts around a placeholder)
    where every value is a placeholder of the ORM's too; where a searched text, tags or a date is bound
    instead of written in, the ORM's SQL for a value given at run time, which PostgreSQL plans with the same
    constants. Either way the plan is the ORM query's (tests/tasks_app/test_task_list_indexes.py holds that
    one to its indexes), index conditions and filters included."""
    first, _ = two_users
    prepared = selectors.task_list_prepared(user_id=first.id, filters=filters, now=NOW, fields=("id",))
    paginator = CountingPaginator(prepared, 2)  # type: ignore[arg-type]  # a Prepared list, not a sequence
    paginator.page(1)
    statement = statements.statement((prepared.key, 0, 2), lambda: pytest.fail("not kept"))
    sql, params = paginator._window(
        prepared.queryset(), 0, by_window=prepared.count_by_window
    ).query.sql_with_params()
    connection = connections["default"]
    bound = statement._bound(prepared.values, connection)
    if not (filters.search or filters.tags or filters.due_before or filters.due_after):
        assert statement.sql.replace("= (%s)", "= %s").replace("< (%s)", "< %s") == sql
        assert bound == list(params)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a plan with the indexes, as a large table has
        plans = []
        for query, values in ((statement.sql, bound), (sql, params)):
            cursor.execute(f"EXPLAIN (COSTS OFF) {query}", values)
            plans.append([line for (line,) in cursor.fetchall()])
    assert plans[0] == plans[1]


def test_the_least_recently_used_statement_goes_first_when_the_cache_is_full(two_users, monkeypatch):
    monkeypatch.setattr(statements, "_cache", statements.ShapeCache[statements.Statement](size=2))
    first, _ = two_users
    shapes = [selectors.TaskFilters(priority=priority) for priority in ("low", "medium", "high")]
    for filters in (shapes[0], shapes[1], shapes[0], shapes[2], shapes[0]):
        prepared = selectors.task_list_prepared(user_id=first.id, filters=filters, now=NOW, fields=("id",))
        page(prepared, 1, 50)
    assert statements._cache.made == 3  # low, medium, high; low kept in use, medium pushed out
    prepared = selectors.task_list_prepared(user_id=first.id, filters=shapes[1], now=NOW, fields=("id",))
    page(prepared, 1, 50)
    assert statements._cache.made == 4


def fields_of(instance: Any) -> dict[str, Any]:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_task_through_its_statement_is_the_orms_task(two_users):
    for user in two_users:
        for expected in Task.objects.filter(user=user):
            task = selectors.task_get(user_id=user.id, task_id=expected.pk)
            assert type(task) is Task
            assert fields_of(task) == fields_of(expected)  # the JSON column as Python data, instants aware
            assert (task._state.adding, task._state.db) == (False, "default")  # saved: a save updates
    user = UserProfile.objects.get(pk=two_users[0].id)
    assert fields_of(selectors.user_get(user_id=user.id)) == fields_of(user)


def test_another_users_task_or_an_id_out_of_range_is_missing(two_users):
    first, second = two_users
    theirs = Task.objects.filter(user=second).first()
    assert theirs is not None
    with pytest.raises(Task.DoesNotExist):
        selectors.task_get(user_id=first.id, task_id=theirs.pk)
    with pytest.raises(UserProfile.DoesNotExist):
        selectors.user_get(user_id="nobody")
    # Past bigint: nothing to find, and nothing asked (the database would compare numerics, not by index).
    with CaptureQueriesContext(connections["default"]) as queries:
        for task_id in (2**63, -(2**63) - 1):
            with pytest.raises(Task.DoesNotExist):
                selectors.task_get(user_id=first.id, task_id=task_id)
    assert len(queries) == 0


def test_an_id_out_of_range_in_the_path_is_a_404(api):
    for path in ("tasks/99999999999999999999", "tasks/99999999999999999999/complete"):
        response = api.get(path) if not path.endswith("complete") else api.patch(path, {"completed": True})
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_a_query_of_related_models_is_not_a_statement():
    with pytest.raises(ValueError, match="one model's own fields"):
        statements.Statement.compile(Task.objects.select_related("user"))


@pytest.mark.django_db(transaction=True)
def test_a_task_is_locked_as_the_orm_locks_it_and_only_inside_a_transaction():
    task = TaskFactory()
    with pytest.raises(TransactionManagementError):
        selectors.task_locked(task_id=task.pk)  # as the ORM's select_for_update() outside a transaction
    refused: list[BaseException] = []

    def lock_elsewhere() -> None:
        """Another connection asks for the same row's lock without waiting for it."""
        try:
            with transaction.atomic():
                list(Task.objects.select_for_update(nowait=True).filter(pk=task.pk))
        except OperationalError as error:
            refused.append(error)
        finally:
            connections.close_all()

    with transaction.atomic(), CaptureQueriesContext(connections["default"]) as queries:
        locked = selectors.task_locked(task_id=task.pk)
        other = threading.Thread(target=lock_elsewhere)
        other.start()
        other.join()
        orm_sql, _ = Task.objects.select_for_update().filter(pk=task.pk).query.sql_with_params()  # not run
    assert fields_of(locked) == fields_of(task)
    assert len(refused) == 1  # the row was locked until our transaction ended
    statement = statements.statement("tasks_app.task_locked", lambda: pytest.fail("not kept"))
    assert statement.sql.replace("= (%s)", "= %s") == orm_sql  # the ORM's parentheses aside
    assert len(queries) == 1


def row_of(task_id: int) -> Mapping[str, object]:
    """The task's row as the database holds it (read by the ORM, not by a statement)."""
    return Task.objects.filter(pk=task_id).values().get()


def test_an_insert_is_the_orms_create(two_users):
    user = two_users[0]
    given = {
        "user": user,
        "title": "Water the plants",
        "priority": "high",
        "tags": ["home", "weekly"],
        "due_date": NOW + timedelta(days=1),
        "timezone": "Europe/Paris",
        "recurring_pattern": "FREQ=WEEKLY",
        "reminders": [{"before_due": 3600, "done": False}],
        "reminder_at": NOW + timedelta(hours=23),
        "created_at": NOW,
        "updated_at": NOW,
    }
    created = Task.objects.create(**given)
    inserted = Task(**given)
    statements.insert(inserted)
    assert inserted.pk not in (None, created.pk)
    assert (inserted._state.adding, inserted._state.db) == (False, "default")
    assert {**fields_of(inserted), "id": None} == {**fields_of(created), "id": None}
    assert {**row_of(inserted.pk), "id": None} == {**row_of(created.pk), "id": None}


def key_row(record: IdempotencyKey) -> Mapping[str, object]:
    return IdempotencyKey.objects.filter(pk=record.pk).values().get()


def test_what_an_insert_leaves_out_the_database_fills_and_returns_as_in_create(two_users):
    user = two_users[0]
    given = {"user": user, "request_fingerprint": "f", "response_status": 201, "response_body": {"id": 7}}
    created = IdempotencyKey.objects.create(key="by the ORM", **given)
    inserted = IdempotencyKey(key="by a statement", **given)
    statements.insert(inserted)
    assert isinstance(inserted.created_at, datetime)  # created_at: the database's now(), returned
    assert inserted.created_at.tzinfo is not None
    ignored = {"id": None, "key": None, "created_at": None}
    assert {**key_row(inserted), **ignored} == {**key_row(created), **ignored}
    assert key_row(inserted)["created_at"] == inserted.created_at


def test_an_insert_compiles_once_for_each_set_of_database_defaults(two_users):
    user = two_users[0]
    given = {"user": user, "request_fingerprint": "f", "response_status": 201, "response_body": {}}
    made_before = statements._cache.made
    for number in range(3):
        statements.insert(IdempotencyKey(key=f"dated {number}", created_at=NOW, **given))
    for number in range(3):
        statements.insert(IdempotencyKey(key=f"undated {number}", **given))  # created_at: the default
    assert statements._cache.made - made_before <= 2  # none if an earlier test made them
    keys = IdempotencyKey.objects.filter(user=user)
    assert keys.filter(key__startswith="dated", created_at=NOW).count() == 3
    assert keys.filter(key__startswith="undated").exclude(created_at=NOW).count() == 3


def test_an_insert_that_breaks_a_constraint_rolls_its_transaction_back(two_users):
    user = two_users[0]
    first = IdempotencyKey(user=user, key="k", request_fingerprint="f", response_status=201, response_body={})
    statements.insert(first)
    assert first.created_at is not None  # the database's default, returned
    with pytest.raises(IntegrityError), transaction.atomic():
        made = Task(user=user, title="made, then undone", created_at=NOW, updated_at=NOW)
        statements.insert(made)
        assert made.pk is not None  # in the block, before the key's insert fails
        again = IdempotencyKey(
            user=user, key="k", request_fingerprint="g", response_status=201, response_body={}
        )
        statements.insert(again)
    assert not Task.objects.filter(title="made, then undone").exists()
    # Caught inside the block, the failure still dooms it, as a failed save() does: Django refuses the next
    # query itself (the block is marked for rollback), rather than PostgreSQL's aborted transaction.
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            statements.insert(again)
        with pytest.raises(TransactionManagementError, match="end of the 'atomic' block"):
            Task.objects.count()


def test_an_insert_refuses_what_it_cannot_bind(two_users):
    saved = Task.objects.filter(user=two_users[0]).first()
    with pytest.raises(ValueError, match="new instance"):
        statements.insert(saved)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expression"):
        statements.insert(Task(user=two_users[0], title="Now", created_at=Now(), updated_at=NOW))


def test_an_update_writes_the_fields_named_as_save_update_fields_does(two_users):
    task = Task.objects.filter(user=two_users[0], completed=False).first()
    assert task is not None
    before = row_of(task.pk)
    task.completed, task.completed_at, task.due_date = True, NOW, None  # due_date: changed, not named
    task.tags = ["changed"]
    task.reminders = [{"before_due": 60, "done": True}]
    statements.update(task, fields=["completed", "completed_at", "tags", "reminders"])
    after = row_of(task.pk)
    assert after == {
        **before,
        "completed": True,
        "completed_at": NOW,
        "tags": ["changed"],
        "reminders": [{"before_due": 60, "done": True}],
    }
    task.completed_at = None  # a NULL written, as the ORM writes it
    statements.update(task, fields=["completed_at"])
    assert row_of(task.pk)["completed_at"] is None


def test_an_update_of_a_row_that_is_gone_fails_as_save_does(two_users):
    task = Task.objects.filter(user=two_users[0]).first()
    assert task is not None
    Task.objects.filter(pk=task.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        statements.update(task, fields=["title"])


def test_an_update_of_many_writes_each_instances_own_values_in_one_round_trip(two_users):
    """update_many() leaves the rows as bulk_update() does: each its own values of the fields named, nothing
    else, JSON and NULLs included."""
    tasks = list(Task.objects.filter(user=two_users[0]).order_by("pk")[:3])
    before = {task.pk: row_of(task.pk) for task in tasks}
    for number, task in enumerate(tasks):
        task.reminders = [{"at": f"2026-06-0{number + 1}T09:00:00Z", "done": "2026-06-01T09:00:00Z"}]
        task.reminder_sent = number != 1
        task.reminder_at = None if number == 1 else NOW
        task.updated_at = NOW + timedelta(minutes=number)
        task.title = "changed, not named"
    with CaptureQueriesContext(connections["default"]) as queries:
        changed = statements.update_many(
            tasks, fields=["reminders", "reminder_sent", "reminder_at", "updated_at"]
        )
    assert changed == 3
    assert len(queries.captured_queries) == 1  # one executemany: its statements pipelined
    for number, task in enumerate(tasks):
        assert row_of(task.pk) == {
            **before[task.pk],
            "reminders": [{"at": f"2026-06-0{number + 1}T09:00:00Z", "done": "2026-06-01T09:00:00Z"}],
            "reminder_sent": number != 1,
            "reminder_at": None if number == 1 else NOW,
            "updated_at": NOW + timedelta(minutes=number),
        }
    tasks[0].skipped, tasks[1].reminders = True, []  # skipped yet open: the check refuses the whole call
    with pytest.raises(IntegrityError, match="tasks_skipped_completed"), transaction.atomic():
        statements.update_many(tasks[:2], fields=["skipped", "reminders"])
    assert row_of(tasks[1].pk)["reminders"] != []


def test_an_update_of_many_counts_only_the_rows_still_there(two_users):
    tasks = list(Task.objects.filter(user=two_users[0]).order_by("pk")[:2])
    Task.objects.filter(pk=tasks[0].pk).delete()
    for task in tasks:
        task.title = "renamed"
    assert statements.update_many(tasks, fields=["title"]) == 1
    assert row_of(tasks[1].pk)["title"] == "renamed"
    assert statements.update_many([], fields=["title"]) == 0


def test_an_update_of_many_refuses_what_it_cannot_bind(two_users):
    task = Task.objects.filter(user=two_users[0]).first()
    user = UserProfile.objects.get(pk=two_users[0].pk)
    assert task is not None
    with pytest.raises(ValueError, match="saved instances of one model"):
        statements.update_many([task, user], fields=["updated_at"])
    with pytest.raises(ValueError, match="saved instances of one model"):
        statements.update_many([task, Task(user=two_users[0], title="new")], fields=["title"])
    task.updated_at = Now()
    with pytest.raises(ValueError, match="an expression in a field"):
        statements.update_many([task], fields=["updated_at"])
