"""Reads: tasks of one user, filtered and sorted; every query is scoped to the caller."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import Case, F, Field, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Lower

from tasks_app.models import Priority, Task, UserProfile
from workers.postgresql.statements import Prepared

SORT_FIELDS = ("due_date", "priority", "created_at", "updated_at", "title")
DEFAULT_SORT = "-created_at"
NULLABLE_SORT_FIELDS = {field.name for field in Task._meta.concrete_fields if field.null} & set(SORT_FIELDS)
_USER_ID = Task._meta.get_field("user").target_field  # the column a user id is bound as
_TASK_ID = Task._meta.pk


@dataclass(frozen=True)
class TaskFilters:
    completed: bool | None = None
    priority: str | None = None
    tags: tuple[str, ...] = ()
    search: str = ""
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool | None = None
    sort: str = DEFAULT_SORT


PRIORITY_RANK = Case(
    When(priority=Priority.HIGH, then=Value(0)),
    When(priority=Priority.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _ordering(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORT_FIELDS:
        raise ValueError(f"cannot sort on {name!r}")
    expression = {"priority": PRIORITY_RANK, "title": Lower("title")}.get(name, F(name))
    # Titles sort case-insensitively; tasks without a due date come last either way; the id keeps
    # equal keys in a stable order. NULLS LAST only where a NULL can be: on a NOT NULL column it would
    # change no order, yet keep the (user, -created_at, -id) index from serving the newest-first list.
    nulls_last = True if name in NULLABLE_SORT_FIELDS else None
    primary = expression.desc(nulls_last=nulls_last) if descending else expression.asc(nulls_last=nulls_last)
    tiebreak = F("id").desc() if descending else F("id").asc()
    return [primary, tiebreak]


def task_list(*, user_id: Any, filters: TaskFilters, now: Any) -> QuerySet[Task]:
    """The user's tasks that pass the filters, in the filters' sort. `user_id` and `now` are the values or,
    for a statement compiled once (task_list_prepared), their placeholders."""
    tasks = Task.objects.filter(user_id=user_id)
    if filters.completed is not None:
        tasks = tasks.filter(completed=filters.completed)
    if filters.priority is not None:
        tasks = tasks.filter(priority=filters.priority)
    if filters.tags:
        tasks = tasks.filter(tags__contains=filters.tags)
    if filters.search:
        tasks = tasks.filter(Q(title__icontains=filters.search) | Q(description__icontains=filters.search))
    if filters.due_before is not None:
        tasks = tasks.filter(due_date__lt=filters.due_before)
    if filters.due_after is not None:
        tasks = tasks.filter(due_date__gt=filters.due_after)
    if filters.overdue is not None:
        overdue = Q(completed=False, due_date__lt=now)
        tasks = tasks.filter(overdue) if filters.overdue else tasks.exclude(overdue)
    return tasks.order_by(*_ordering(filters.sort))


# The filters whose values are any text or instant: bound, so that one statement serves every value (in the
# key, each search or date would compile a statement of its own and push the common ones out of the cache).
# The others (completed, priority, overdue, sort) take a few values each and stay in the SQL: a partial
# index's condition (`NOT completed`) must be there for the planner to use it.
_BOUND_FILTERS: dict[str, "Field[Any, Any]"] = {
    "search": Task._meta.get_field("title"),
    "tags": Task._meta.get_field("tags"),
    "due_before": Task._meta.get_field("due_date"),
    "due_after": Task._meta.get_field("due_date"),
}


def task_list_prepared(
    *, user_id: str, filters: TaskFilters, now: datetime, fields: Sequence[str]
) -> Prepared:
    """task_list's `values(*fields)`, for a paginator to run as a statement compiled once for the shape of
    these filters and fields, whoever the user is, whatever the time and the searched text, tags or dates
    (workers/postgresql/statements.py).

    A search is counted by a window over its matches: no index serves it, so it reads each of the user's
    rows, and the window makes it do so once for the page and its count, not twice (docs/operations.md)."""
    fields = tuple(fields)
    given = {
        name: list(value) if isinstance(value, tuple) else value
        for name in _BOUND_FILTERS
        if (value := getattr(filters, name))  # an empty search or no tags filter nothing
    }
    # The SQL's shape: the filters without the bound values, and which of those are given.
    shape = (replace(filters, search="", tags=(), due_before=None, due_after=None), tuple(given))

    def build(user_id: Any, now: Any, **bound: Any) -> QuerySet[Any, Any]:
        rows: QuerySet[Any, Any] = task_list(
            user_id=user_id, filters=replace(filters, **bound), now=now
        ).values(*fields)
        return rows

    return Prepared(
        key=("tasks_app.task_list", shape, fields),
        build=build,
        values={"user_id": user_id, "now": now, **given},
        fields={"user_id": _USER_ID, "now": Task._meta.get_field("due_date"), **_BOUND_FILTERS},
        count_by_window=bool(filters.search),
    )


def task_find(*, user_id: str, task_id: int) -> Task | None:
    """The user's task, without its user, or None (deleted, or never theirs): another user's task is as
    missing as one that never existed. Every request about one task reads it: a statement compiled once
    (workers/postgresql/statements.py)."""
    task: Task | None = Prepared(
        key="tasks_app.task_find",
        build=lambda user_id, task_id: Task.objects.filter(user_id=user_id, pk=task_id),
        values={"user_id": user_id, "task_id": task_id},
        fields={"user_id": _USER_ID, "task_id": _TASK_ID},
    ).first()
    return task


def task_get(*, user_id: str, task_id: int) -> Task:
    """The caller's task (task_find), or Task.DoesNotExist."""
    task = task_find(user_id=user_id, task_id=task_id)
    if task is None:
        raise Task.DoesNotExist("No such task of this user.")
    return task


def task_locked(*, task_id: int) -> Task:
    """The task's current row, locked until the transaction ends (concurrent writes of it queue up): what
    every write of a task starts with, so a statement compiled once."""
    task: Task | None = Prepared(
        key="tasks_app.task_locked",
        build=lambda task_id: Task.objects.select_for_update().filter(pk=task_id),
        values={"task_id": task_id},
        fields={"task_id": _TASK_ID},
    ).first()
    if task is None:
        raise Task.DoesNotExist("No such task.")
    return task


def task_series(*, task: Task) -> QuerySet[Task]:
    """The series a task belongs to, in due order: its root (the first task) and every occurrence made from
    it, done, skipped and open; the ones without a due date last. A task of no series is a series of one."""
    root_id = task.parent_task_id or task.pk
    return Task.objects.filter(Q(pk=root_id) | Q(parent_task_id=root_id), user_id=task.user_id).order_by(
        F("due_date").asc(nulls_last=True), "id"
    )


def occurrence_due_exists(*, parent_task_id: int, due_date: datetime, exclude_task_id: int) -> bool:
    """Whether another occurrence of the series is due at that instant."""
    return (
        Task.objects.filter(parent_task_id=parent_task_id, due_date=due_date)
        .exclude(pk=exclude_task_id)
        .exists()
    )


def user_get(*, user_id: str) -> UserProfile:
    """The user (their time zone reads every input): a statement compiled once."""
    user: UserProfile | None = Prepared(
        key="tasks_app.user_get",
        build=lambda user_id: UserProfile.objects.filter(pk=user_id),
        values={"user_id": user_id},
        fields={"user_id": UserProfile._meta.pk},
    ).first()
    if user is None:
        raise UserProfile.DoesNotExist("No such user.")
    return user
