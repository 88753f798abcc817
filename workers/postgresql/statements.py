"""Queries compiled once and run many times: a query's SQL made by the ORM once for each shape, with
placeholders where each request's own values go (the caller, a task's id, the time, a searched text), then
only bound and run.

The ORM builds and compiles a query's SQL every time it runs one: for a page of the task list and its count,
about 0.9 ms of CPU, a fifth of the request; for a task locked by its id, about 0.6 ms (in-process). Yet the
SQL is the same for every user; only a few values change. `Prepared` describes such a query: a builder of its
queryset and the values to bind. Built once with a `Bound` placeholder for each value, it compiles to a
`Statement`, kept in a bounded cache under the key its caller gives; each run binds the values and turns the
rows into what the ORM would have made of them: dicts through the same converters (`from_db_value`) for a
`values()` query, model instances (`Model.from_db`) for a query of a model. The SQL is the ORM's own, so
plans and results stay as they were, and a value that is bound is never part of what is cached: one user's
statement serves another only with the other's id bound.

Writes of one row compile alike: `insert(instance)` is the ORM's `INSERT ... RETURNING` of a new instance
(`save(force_insert=True)`), `update(instance, fields)` its `UPDATE` of some fields by primary key
(`save(update_fields=...)`), each compiled once per model and set of columns. The values are bound as the ORM
prepares them for saving (`get_db_prep_save`), and the save signals are sent as a save sends them.
`update_many(instances, fields)` runs that UPDATE for each of many instances in one round trip, in place of
`bulk_update()`, which compiles a CASE of every row for each field on every call.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from json import JSONDecoder
from threading import Lock
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Field, JSONField, Model, QuerySet, signals
from django.db.models.expressions import DatabaseDefault, Expression
from django.db.models.query import ModelIterable, ValuesIterable
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

STATEMENTS_CACHED = 512  # per process: shapes of lists (filters x page window), lookups and writes
_decode_json = JSONDecoder().raw_decode  # what json.loads runs, once past its checks and whitespace


@dataclass(frozen=True)
class _Slot:
    """Where a bound value goes among a statement's parameters; `saved_as`: the field whose column the value
    is written to, which prepares it as the ORM prepares a value it saves."""

    name: str
    saved_as: "Field[Any, Any] | None" = None


class Bound(Expression):
    """A value given when the statement runs, by name: it compiles to a placeholder, never to a value."""

    def __init__(self, name: str, output_field: "Field[Any, Any]") -> None:
        super().__init__(output_field=output_field)
        self.name = name
        self.for_save = False

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> "Bound":
        resolved: Bound = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved.for_save = for_save  # a value an INSERT or UPDATE writes
        return resolved

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name, self.output_field if self.for_save else None)]


@dataclass(frozen=True)
class Prepared:
    """A query to run through a statement compiled once per `key`.

    `build(**values)` makes its queryset (a `values()` query, or a query of model instances without related
    models); `values` are this run's values, each with the field its column has (for the placeholder's type).
    `key` names everything else the SQL depends on: two preparations with equal keys must build the same SQL
    with the same placeholders."""

    key: Hashable
    build: Callable[..., QuerySet[Any, Any]]
    values: Mapping[str, Any]
    fields: Mapping[str, "Field[Any, Any]"]
    # For a paginator (workers/http/serializers.py), how to count the whole list beside a page: False, by a
    # subquery (an index counts it without reading the rows); True, by a window over the matching rows, for
    # a filter that reads every row anyway (they are then read once, not twice).
    count_by_window: bool = False

    def queryset(self) -> QuerySet[Any, Any]:
        """The query with this run's values, as the ORM runs it (for what a statement does not serve)."""
        return self.build(**self.values)

    def placeholders(self) -> dict[str, Bound]:
        return {name: Bound(name, self.fields[name]) for name in self.values}

    def results(self) -> list[Any]:
        """The query's results with this run's values, through its statement (compiled on the key's first
        run): what the ORM would return, dicts or model instances.

        Bound values are matched for equality: an integer out of its column's range matches nothing, as the
        ORM's `exact` lookup decides before it asks the database (which would compare it as a numeric, and
        so without the column's index)."""
        if not self._in_range():
            return []
        return statement(self.key, lambda: self.build(**self.placeholders())).results(self.values)

    def first(self) -> Any | None:
        """The first of `results()`, or None: a lookup of one row by its key."""
        found = self.results()
        return found[0] if found else None

    def _in_range(self) -> bool:
        operations = connections[DEFAULT_DB_ALIAS].ops
        for name, value in self.values.items():
            if isinstance(value, int) and not isinstance(value, bool):
                internal_type = self.fields[name].get_internal_type()
                low, high = operations.integer_field_ranges.get(internal_type, (None, None))
                if (low is not None and value < low) or (high is not None and value > high):
                    return False
        return True


Converters = tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


def _converters(compiler: SQLCompiler, expressions: list[Any]) -> Converters:
    """What the ORM applies to each column of a row it reads (`from_db_value`, the backend's), by position;
    a JSON column's through a shorter way to the same data (`_json_loader`)."""
    return tuple(
        (position, tuple(map(_json_loader, functions)), expression)
        for position, (functions, expression) in compiler.get_converters(expressions).items()
    )


def _json_loader(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, or for a JSONField's `from_db_value` without a decoder of its own, the same decoding
    without `json.loads`'s layers (`raw_decode`: 1.4 µs down to 0.4 µs for an empty list, the `reminders` of
    most tasks of a page). Anything it does not read whole, and what is not text, goes to the field's own
    `from_db_value`: the result is always the field's. A field that decodes in its own way keeps its way."""
    field = getattr(function, "__self__", None)
    own = getattr(function, "__func__", None) is JSONField.from_db_value
    if not own or not isinstance(field, JSONField) or field.decoder is not None:
        return function

    def load(value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str):
            try:
                data, end = _decode_json(value)
            except ValueError:
                pass
            else:
                if end == len(value):
                    return data
        return function(value, expression, connection)

    return load


@dataclass(frozen=True)
class Statement:
    """A query's SQL and parameters, with a `_Slot` where each bound value goes; its rows become what the
    query's own iteration would make of them: dicts (`values()`) or instances of `model`."""

    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]  # the columns' names: a row's keys (`values()`), or the model's attnames
    converters: Converters
    using: str
    model: type[Model] | None  # None: rows are dicts
    locks: bool  # SELECT ... FOR UPDATE: only inside a transaction, as the ORM requires

    @classmethod
    def compile(cls, queryset: QuerySet[Any, Any]) -> "Statement":
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        selected = compiler.select[: compiler.col_count]
        model: type[Model] | None = None
        if issubclass(queryset._iterable_class, ValuesIterable):
            names = tuple(alias for _, _, alias in selected)
        elif issubclass(queryset._iterable_class, ModelIterable) and not (
            compiler.klass_info.get("related_klass_infos") or compiler.annotation_col_map
        ):
            model = queryset.model
            names = tuple(expression.target.attname for expression, _, _ in selected)
        else:
            raise ValueError("a statement runs a values() query, or a query of one model's own fields")
        return cls(
            sql=sql,
            params=tuple(params),
            names=names,
            converters=_converters(compiler, [expression for expression, _, _ in selected]),
            using=queryset.db,
            model=model,
            locks=bool(queryset.query.select_for_update),
        )

    @classmethod
    def compile_insert(
        cls, model: type[Model], defaults: Mapping[str, DatabaseDefault], using: str
    ) -> "Statement":
        """The ORM's INSERT of one new instance of `model` (its primary key made by the database), returning
        what the database makes (`db_returning_fields`): the fields in `defaults` take their database default,
        each of the others a bound value of the same name."""
        meta = model._meta
        fields = _inserted_fields(model)
        template = _Template(
            {
                field.attname: defaults[field.attname]
                if field.attname in defaults
                else Bound(field.attname, field)
                for field in fields
            }
        )
        query = InsertQuery(model)
        # raw: the template's values as they are (no pre_save: the instance's ran in insert()).
        query.insert_values(fields, [template], raw=True)  # type: ignore[list-item]  # a template, no model
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = meta.db_returning_fields
        ((sql, params),) = compiler.as_sql()
        returned = [field.get_col(meta.db_table) for field in meta.db_returning_fields]
        return cls(
            sql=sql,
            params=tuple(params),
            names=tuple(field.attname for field in meta.db_returning_fields),
            converters=_converters(compiler, returned),
            using=using,
            model=None,
            locks=False,
        )

    @classmethod
    def compile_update(cls, model: type[Model], fields: tuple[str, ...], using: str) -> "Statement":
        """The ORM's UPDATE of `fields` of one row of `model`, by its primary key (bound as `pk`)."""
        rows = model._base_manager.using(using).filter(pk=Bound("pk", model._meta.pk))
        query = cast(UpdateQuery, rows.query.chain(UpdateQuery))
        placeholders = [(field, None, Bound(field.attname, field)) for field in _columns(model, fields)]
        query.add_update_fields(placeholders)  # type: ignore[arg-type]  # the stubs take a Case only
        sql, params = query.get_compiler(using=using).as_sql()
        return cls(
            sql=sql, params=tuple(params), names=(), converters=(), using=using, model=None, locks=False
        )

    def execute(self, values: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows, with `values` bound; how many rows it changed."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self._bound(values, connection))
            return int(cursor.rowcount)

    def execute_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run a statement that returns no rows once for each of `rows` (the values to bind), in one round
        trip (psycopg pipelines `executemany`); how many rows they changed in all."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, [self._bound(values, connection) for values in rows])
            return int(cursor.rowcount)

    def _bound(self, values: Mapping[str, Any], connection: Any) -> list[Any]:
        """The parameters, each slot's value in its place: prepared as the ORM prepares a value it saves where
        the slot is a column written."""
        params = []
        for param in self.params:
            if isinstance(param, _Slot):
                value = values[param.name]
                if param.saved_as is not None:
                    value = param.saved_as.get_db_prep_save(value, connection=connection)
                params.append(value)
            else:
                params.append(param)
        return params

    def results(self, values: Mapping[str, Any]) -> list[Any]:
        """The results of one run, with `values` bound, as the query would return them."""
        connection = connections[self.using]
        if self.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self._bound(values, connection))
            fetched: Iterable[Any] = cursor.fetchall()
        if self.converters:
            fetched = self._converted(fetched, connection)
        if self.model is not None:
            return [self.model.from_db(self.using, self.names, row) for row in fetched]
        return [dict(zip(self.names, row, strict=True)) for row in fetched]

    def _converted(self, rows: Iterable[Any], connection: Any) -> Iterable[list[Any]]:
        for row in map(list, rows):
            for position, functions, expression in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            yield row


class ShapeCache[T]:
    """What is made once for each shape of a query (its statement; a paginator's view of its ordering), least
    recently used first, per process; a key holds nothing but what the caller put in it (no value of the run
    that made it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.made = 0  # how many entries were made (a test's measure of reuse)
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        made = make()  # outside the lock: two threads may both make a new shape's
        with self._lock:
            self.made += 1
            self._entries[key] = made
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return made


_cache: ShapeCache[Statement] = ShapeCache(STATEMENTS_CACHED)


def statement(key: Hashable, build: Callable[[], QuerySet[Any, Any]]) -> Statement:
    """The statement of `build()`'s query: compiled on the first call with `key`, then kept (LRU, per
    process)."""
    return _cache.get(key, lambda: Statement.compile(build()))


def _refuse_expressions(values: Iterable[Any]) -> None:
    """A statement binds values: an expression in a field (F(), Now()) is for the ORM's save()."""
    if any(hasattr(value, "resolve_expression") for value in values):
        raise ValueError("a statement binds values; an expression in a field is for the ORM's save()")


class _Template:
    """What an INSERT is compiled from in place of an instance: an attribute per column, its placeholder."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


def _columns(model: type[Model], names: Sequence[str]) -> list["Field[Any, Any]"]:
    """The model's fields of these names, each a column of its table."""
    fields = [model._meta.get_field(name) for name in names]
    columns = [field for field in fields if isinstance(field, Field) and field.concrete]
    if len(columns) != len(fields):
        raise ValueError(f"not columns of {model._meta.label}: {', '.join(names)}")
    return columns


@cache
def _inserted_fields(model: type[Model]) -> tuple["Field[Any, Any]", ...]:
    """The columns an INSERT of a new instance writes (Model._save_table's, the primary key left out)."""
    meta = model._meta
    return tuple(
        field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field
    )


def insert(instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """`instance.save(force_insert=True)` for a new instance whose primary key the database makes, through a
    statement compiled once per model and per set of fields left to their database default. The instance gets
    what the INSERT returns (its primary key, the defaults the database filled) and is saved, as after a save.
    """
    model = type(instance)
    meta = model._meta
    if meta.parents or meta.auto_field is None or getattr(instance, meta.auto_field.attname) is not None:
        raise ValueError(
            "insert() takes a new instance of a model without parents, its key made by the database"
        )
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    values = {field.attname: field.pre_save(instance, add=True) for field in _inserted_fields(model)}
    defaults = {name: value for name, value in values.items() if isinstance(value, DatabaseDefault)}
    _refuse_expressions(value for name, value in values.items() if name not in defaults)
    compiled = _cache.get(
        ("insert", meta.label, frozenset(defaults), using),
        lambda: Statement.compile_insert(model, defaults, using),
    )
    with transaction.mark_for_rollback_on_error(using):
        (returned,) = compiled.results(values)
    for name, value in returned.items():
        setattr(instance, name, value)
    instance._state.adding = False
    instance._state.db = using
    signals.post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using
    )


def update(instance: Model, *, fields: Sequence[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """`instance.save(update_fields=fields)` for a saved instance, through a statement compiled once per model
    and set of fields. Raises DatabaseError when no row has the instance's primary key, as that save does."""
    model = type(instance)
    names = tuple(fields)
    update_fields = frozenset(names)
    signals.pre_save.send(
        sender=model, instance=instance, raw=False, using=using, update_fields=update_fields
    )
    values = {field.attname: field.pre_save(instance, add=False) for field in _columns(model, names)}
    _refuse_expressions(values.values())
    values["pk"] = instance.pk
    compiled = _update_statement(model, names, using)
    with transaction.mark_for_rollback_on_error(using):
        if compiled.execute(values) == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    instance._state.db = using
    signals.post_save.send(
        sender=model, instance=instance, created=False, update_fields=update_fields, raw=False, using=using
    )


def update_many(instances: Sequence[Model], *, fields: Sequence[str], using: str = DEFAULT_DB_ALIAS) -> int:
    """`QuerySet.bulk_update(instances, fields)` for saved instances of one model: `update()`'s statement run
    for each instance, in one round trip and one transaction. As bulk_update, it writes the values the
    instances hold (no `pre_save()`) and sends no signals. How many rows it changed.

    bulk_update compiles a CASE of every row for each field on every call: 18.5-20.0 ms of CPU for a batch of
    50 tasks and four fields, against 1.3-1.4 ms here (in-process). Marking a delivery batch's reminders sent
    with it took a fifth of the delivery processes' CPU (py-spy, bench/reminders.py).
    """
    if not instances:
        return 0
    model = type(instances[0])
    if any(type(instance) is not model or instance.pk is None for instance in instances):
        raise ValueError(f"update_many() takes saved instances of one model ({model._meta.label})")
    names = tuple(fields)
    columns = _columns(model, names)
    rows = []
    for instance in instances:
        values = {field.attname: getattr(instance, field.attname) for field in columns}
        _refuse_expressions(values.values())
        values["pk"] = instance.pk
        rows.append(values)
    with transaction.atomic(using=using, savepoint=False):  # all or none, as bulk_update
        return _update_statement(model, names, using).execute_many(rows)


def _update_statement(model: type[Model], names: tuple[str, ...], using: str) -> Statement:
    """The UPDATE of these fields of one row of `model` by its primary key, compiled once."""
    return _cache.get(
        ("update", model._meta.label, names, using), lambda: Statement.compile_update(model, names, using)
    )
