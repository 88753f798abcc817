"""Queries compiled once and run many times: a list's SQL made by the ORM once for each shape of the list,
with placeholders where each request's own values go (the caller, the time), then only bound and run.

The ORM builds and compiles a query's SQL every time it runs one: for a page of the task list and its count,
about 0.9 ms of CPU, a fifth of the request (bench/api.py). Yet for one set of filters and one page window
the SQL is the same for every user; only a few values change. `Prepared` describes such a query: a builder
of its queryset and the values to bind. Built once with a `Bound` placeholder for each value, it compiles to
a `Statement`, kept in a bounded cache under the key its caller gives; each run binds the values and turns
the rows into dicts through the same converters (`from_db_value`) as the ORM's `values()`. The SQL is the
ORM's own, so plans and results stay as they were, and a value that is bound is never part of what is
cached: one user's statement serves another only with the other's id bound.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

STATEMENTS_CACHED = 512  # per process: shapes of lists (filters x page window) kept compiled


@dataclass(frozen=True)
class _Slot:
    """Where a bound value goes among a statement's parameters."""

    name: str


class Bound(Expression):
    """A value given when the statement runs, by name: it compiles to a placeholder, never to a value."""

    def __init__(self, name: str, output_field: "Field[Any, Any]") -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name)]


@dataclass(frozen=True)
class Prepared:
    """A query to run through a statement compiled once per `key`.

    `build(**values)` makes its queryset (a `values()` query); `values` are this run's values, each with the
    field its column has (for the placeholder's type). `key` names everything else the SQL depends on: two
    preparations with equal keys must build the same SQL with the same placeholders."""

    key: Hashable
    build: Callable[..., QuerySet[Any, dict[str, Any]]]
    values: Mapping[str, Any]
    fields: Mapping[str, "Field[Any, Any]"]

    def queryset(self) -> QuerySet[Any, dict[str, Any]]:
        """The query with this run's values, as the ORM runs it (for what a statement does not serve)."""
        return self.build(**self.values)

    def placeholders(self) -> dict[str, Bound]:
        return {name: Bound(name, self.fields[name]) for name in self.values}


@dataclass(frozen=True)
class Statement:
    """A `values()` query's SQL and parameters, with a `_Slot` where each bound value goes."""

    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]  # the columns' names, as `values()` names a row's keys
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    using: str

    @classmethod
    def compile(cls, queryset: QuerySet[Any, dict[str, Any]]) -> "Statement":
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        selected = compiler.select[: compiler.col_count]
        converters = compiler.get_converters([expression for expression, _, _ in selected])
        return cls(
            sql=sql,
            params=tuple(params),
            names=tuple(alias for _, _, alias in selected),
            converters=tuple(
                (position, tuple(functions), expression)
                for position, (functions, expression) in converters.items()
            ),
            using=queryset.db,
        )

    def rows(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows of one run, with `values` bound, as `values()` would return them."""
        params = [values[param.name] if isinstance(param, _Slot) else param for param in self.params]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched: Iterable[Any] = cursor.fetchall()
        if self.converters:
            fetched = self._converted(fetched, connection)
        return [dict(zip(self.names, row, strict=True)) for row in fetched]

    def _converted(self, rows: Iterable[Any], connection: Any) -> Iterable[list[Any]]:
        for row in map(list, rows):
            for position, functions, expression in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            yield row


class _Cache:
    """The statements of one process, least recently used first; a key holds nothing but what the caller put
    in it (no value of the run that compiled it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.compiled = 0  # how many statements were compiled (a test's measure of reuse)
        self._statements: OrderedDict[Hashable, Statement] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, build: Callable[[], QuerySet[Any, dict[str, Any]]]) -> Statement:
        with self._lock:
            found = self._statements.get(key)
            if found is not None:
                self._statements.move_to_end(key)
                return found
        compiled = Statement.compile(build())  # outside the lock: two threads may both compile a new shape
        with self._lock:
            self.compiled += 1
            self._statements[key] = compiled
            while len(self._statements) > self.size:
                self._statements.popitem(last=False)
        return compiled


_cache = _Cache(STATEMENTS_CACHED)


def statement(key: Hashable, build: Callable[[], QuerySet[Any, dict[str, Any]]]) -> Statement:
    """The statement of `build()`'s query: compiled on the first call with `key`, then kept (LRU, per
    process)."""
    return _cache.get(key, build)
