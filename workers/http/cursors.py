"""Cursor pagination of a list (keyset pagination): each page starts right after the row the last one ended
on, found through the ordering's own index, so a page costs the same anywhere in the list and the list is
never counted. The page form (`Pagination`, serializers.py) stays for lists that show a count and numbers.

DRF's CursorPagination orders by one non-nullable field and counts an offset past equal values; the task
list orders by expressions (a priority's rank, a case-folded title) and by a nullable due date, with the id
breaking ties. This paginator takes the ordering from the query itself: any number of keys, each an
`OrderBy`, the last one unique (the id).

A cursor holds the keys of the row a page ended on and which way to read, signed (django.core.signing, a
salt of its own) so that a client can neither forge nor garble one: a cursor it did not get from a page, or
one made for another ordering, is a 400, never a failing query.

Given a `Prepared` list (workers/postgresql/statements.py), a page runs as a statement compiled once for the
list's shape and the cursor's (which way it reads, which of its keys are NULL, the page size), the keys'
values bound as the list's own are."""

import hashlib
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.db.models.expressions import Col, OrderBy
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from workers.http.serializers import MAX_PAGE_SIZE, PAGE_SIZE, pop_annotation
from workers.postgresql.statements import STATEMENTS_CACHED, Prepared, ShapeCache

CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"
INVALID_CURSOR = "Not a cursor of this list: follow the `next` or `previous` link of a page."
_SALT = "workers.http.cursors"
_KEY = "cursor_key_{}"  # the annotations that carry each row's keys; taken off the rows
_BOUND = "cursor_at_{}"  # the values of a cursor's keys, bound in a Prepared list's statement


@dataclass(frozen=True)
class Cursor:
    """A place in the list and a way to read from it: the rows after the row with these keys, or (`backwards`)
    the ones before it. Without keys: the list's first page, or its last one backwards."""

    keys: tuple[Any, ...] | None
    backwards: bool = False


@dataclass(frozen=True)
class _Key:
    """One key of the ordering, as the cursor's conditions need it."""

    order: OrderBy
    nullable: bool
    output_field: Any

    @property
    def nulls_come_last(self) -> bool:
        """Where NULLs sort, reading forwards: as written, else PostgreSQL's way (largest: last ascending)."""
        if self.order.nulls_last or self.order.nulls_first:
            return bool(self.order.nulls_last)
        return not self.order.descending


class CursorPagination:
    """Pages of an ordered queryset (model instances or `values()` rows), read by the `cursor` and `page_size`
    query parameters; the response is `{"next", "previous", "results"}`, each link the request's own URL with
    another cursor, or null where there is no page."""

    def __init__(self, *, page_size: int = PAGE_SIZE, max_page_size: int = MAX_PAGE_SIZE) -> None:
        self.default_page_size = page_size
        self.max_page_size = max_page_size

    def paginate_queryset(self, rows: "QuerySet[Any] | Prepared", request: Request) -> list[Any]:
        """The page the request's cursor points at. Given a `Prepared` list (workers/postgresql/statements.py)
        instead of a query, the page runs as a statement compiled once for the list's shape, the way the
        cursor reads and the page size, with the cursor's keys bound like the list's own values."""
        if isinstance(rows, Prepared):
            prepared = rows
            ordering = _orderings.get(
                prepared.key, lambda: _Ordering.of(prepared.build(**prepared.placeholders()))
            )
            fetch = partial(_prepared_page, prepared)
        else:
            ordering = _Ordering.of(rows)
            fetch = partial(_queried_page, rows)
        keys = ordering.keys
        self.base_url = request.build_absolute_uri()
        self.ordering = ordering.fingerprint
        cursor = self._cursor(request, keys)
        size = self._page_size(request)
        page = fetch(keys, cursor, size)
        more = len(page) > size
        page = page[:size]
        if cursor.backwards:
            page.reverse()
        edges = [tuple(pop_annotation(row, _KEY.format(i)) for i in range(len(keys))) for row in page]
        self.next, self.previous = _neighbours(
            cursor, edges[0] if edges else None, edges[-1] if edges else None, more
        )
        return page

    def get_paginated_response(self, results: list[Any] | orjson.Fragment) -> Response:
        """The page's items, or their JSON written already (tasks_app/outputs.py), with its links."""
        return Response(
            {"next": self._link(self.next), "previous": self._link(self.previous), "results": results}
        )

    def _link(self, cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        if cursor.keys is None and not cursor.backwards:
            return remove_query_param(self.base_url, CURSOR_PARAM)
        keys = None if cursor.keys is None else [_jsonable(key) for key in cursor.keys]
        token = signing.dumps(
            {"k": keys, "b": cursor.backwards, "o": self.ordering}, salt=_SALT, compress=True
        )
        return replace_query_param(self.base_url, CURSOR_PARAM, token)

    def _page_size(self, request: Request) -> int:
        """The page size asked for (the view's input serializer has validated it), at most the maximum."""
        try:
            size = int(request.query_params.get(PAGE_SIZE_PARAM, self.default_page_size))
        except ValueError:
            size = self.default_page_size
        return max(1, min(size, self.max_page_size))

    def _cursor(self, request: Request, keys: list[_Key]) -> Cursor:
        token = request.query_params.get(CURSOR_PARAM, "")
        if not token:
            return Cursor(None)
        try:
            payload = signing.loads(token, salt=_SALT)
            if payload["o"] != self.ordering:
                raise ValueError("a cursor of another ordering")
            values = payload["k"]
            if values is not None and len(values) != len(keys):
                raise ValueError("a cursor of another number of keys")
            parsed = (
                None
                if values is None
                else tuple(
                    None if value is None else key.output_field.to_python(value)
                    for key, value in zip(keys, values, strict=True)
                )
            )
            return Cursor(parsed, backwards=bool(payload["b"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError, DjangoValidationError) as error:
            raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]}) from error


def _neighbours(
    cursor: Cursor, first: tuple[Any, ...] | None, last: tuple[Any, ...] | None, more: bool
) -> tuple[Cursor | None, Cursor | None]:
    """The next and the previous page's cursors, for a page read at `cursor` whose first and last rows have
    these keys (None: an empty page) and beyond which `more` rows lie, the way it was read."""
    came_from_a_row = cursor.keys is not None
    if not cursor.backwards:
        after = Cursor(last) if more and last is not None else None
        if not came_from_a_row:
            return after, None
        # Nothing left after the cursor's row (deleted since): the page before this one is the list's last.
        return after, Cursor(first, backwards=True) if first is not None else Cursor(None, backwards=True)
    before = Cursor(first, backwards=True) if more and first is not None else None
    if not came_from_a_row:
        return None, before
    # Nothing left before the cursor's row: the page after this one is the list's first.
    return Cursor(last) if last is not None else Cursor(None), before


def _page_query(queryset: QuerySet[Any], keys: list[_Key], cursor: Cursor, size: int) -> QuerySet[Any]:
    """The rows of the page at `cursor` and one more (is there a next page?), nearest first, each with its
    keys (annotations, taken off later)."""
    rows = queryset.annotate(**{_KEY.format(i): key.order.expression for i, key in enumerate(keys)})
    if cursor.backwards:
        rows = rows.reverse()  # every key read the other way, NULLs too: nearest first
    if cursor.keys is not None:
        rows = rows.filter(_beyond(keys, cursor.keys, backwards=cursor.backwards))
    page: QuerySet[Any] = rows[: size + 1]
    return page


def _queried_page(queryset: QuerySet[Any], keys: list[_Key], cursor: Cursor, size: int) -> list[Any]:
    return list(_page_query(queryset, keys, cursor, size))


def _prepared_page(prepared: Prepared, keys: list[_Key], cursor: Cursor, size: int) -> list[Any]:
    """_page_query of a Prepared list as a statement: the SQL depends on the list's shape, the way the cursor
    reads, which of its keys are NULL (IS NULL, not a comparison) and the size; the other keys are bound."""
    at = {_BOUND.format(i): value for i, value in enumerate(cursor.keys or ()) if value is not None}
    nulls = None if cursor.keys is None else tuple(value is None for value in cursor.keys)

    def build(**bound: Any) -> QuerySet[Any]:
        placed = (
            None
            if nulls is None
            else tuple(None if null else bound[_BOUND.format(i)] for i, null in enumerate(nulls))
        )
        rows = prepared.build(**{name: bound[name] for name in prepared.values})
        return _page_query(rows, keys, Cursor(placed, cursor.backwards), size)

    page: list[Any] = Prepared(
        key=("workers.http.cursors", prepared.key, cursor.backwards, nulls, size),
        build=build,
        values={**prepared.values, **at},
        fields={**prepared.fields, **{_BOUND.format(i): key.output_field for i, key in enumerate(keys)}},
    ).results()
    return page


@dataclass(frozen=True)
class _Ordering:
    """The keys of a query's ordering, and the fingerprint a cursor carries of it."""

    keys: list[_Key]
    fingerprint: str

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> "_Ordering":
        keys = _keys(queryset)
        return cls(keys, _fingerprint(keys))


# The orderings of Prepared lists, by the list's key (its shape): made once, as its statements are.
_orderings: ShapeCache[_Ordering] = ShapeCache(STATEMENTS_CACHED)


def _keys(queryset: QuerySet[Any]) -> list[_Key]:
    ordering = [order for order in queryset.query.order_by if isinstance(order, OrderBy)]
    if not ordering or len(ordering) != len(queryset.query.order_by):
        raise TypeError("cursor pagination needs a queryset ordered by OrderBy expressions")
    query = queryset.query.chain()
    keys = []
    for order in ordering:
        resolved = order.expression.resolve_expression(query)
        columns = [part for part in resolved.flatten() if isinstance(part, Col)]
        nullable = any(column.target.null for column in columns)
        keys.append(_Key(order, nullable=nullable, output_field=resolved.output_field))
    return keys


def _fingerprint(keys: list[_Key]) -> str:
    """Which ordering a cursor belongs to: its keys are a place in that one only."""
    return hashlib.blake2b(repr([key.order for key in keys]).encode(), digest_size=6).hexdigest()


def _beyond(keys: list[_Key], values: tuple[Any, ...], *, backwards: bool) -> Q:
    """The rows after (or, `backwards`, before) the row with these keys: past it on the first key, or equal on
    it and past it on the next, and so on. The first key's own bound (equal or past) is given again alone, so
    that PostgreSQL reads the ordering's index from that place rather than from its start."""
    beyond = Q(pk__in=[])  # no row
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        beyond |= equal & _past(key, value, backwards=backwards)
        equal &= _equal(key, value)
    return _past(keys[0], values[0], backwards=backwards, or_equal=True) & beyond


def _equal(key: _Key, value: Any) -> Q:
    return Q(IsNull(key.order.expression, True)) if value is None else Q(Exact(key.order.expression, value))


def _past(key: _Key, value: Any, *, backwards: bool, or_equal: bool = False) -> Q:
    """One key's values past `value` (or equal to it), the way the page is read; NULLs sort where the
    ordering puts them."""
    expression = key.order.expression
    nulls_ahead = key.nulls_come_last != backwards  # the NULLs lie past every value, the way we read
    if value is None:  # past a NULL: every value if the NULLs lie behind, nothing if they lie ahead
        past_null = Q(pk__in=[]) if nulls_ahead else Q(IsNull(expression, False))
        return past_null | Q(IsNull(expression, True)) if or_equal else past_null
    larger = key.order.descending == backwards  # the values past `value` are the larger ones
    lookup = {
        (True, False): GreaterThan,
        (True, True): GreaterThanOrEqual,
        (False, False): LessThan,
        (False, True): LessThanOrEqual,
    }[larger, or_equal]
    past = Q(lookup(expression, value))
    return past | Q(IsNull(expression, True)) if nulls_ahead and key.nullable else past


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
