"""Serializers every API shares: input serializers that are cheap to make, and the page-number page of a list
(its query, its paginator and its shape in the OpenAPI schema); the cursor page's shape (its paginator is in
cursors.py)."""

import copy
from typing import Any, cast

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, IntegerField, QuerySet, Subquery, Window
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from workers.postgresql.statements import Prepared, statement

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


# A serializer of input whose declared fields are copied shallowly for each instance. DRF deep-copies every
# declared field for each serializer instance, to be safe with fields that keep state; these fields keep none
# while validating (their choices, validators and messages are only read), and the deep copies were a third
# of a create's CPU: the time zone choice's ~600 choices copied and indexed again on every request
# (bench/api.py). Each copy is still bound to its own serializer. (No docstring: drf-spectacular would show
# it as the description of every subclass without one.)
class InputSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class _Count(Subquery):
    """The number of rows of a query, as a scalar subquery (evaluated once: it refers to nothing outside)."""

    template = "(SELECT count(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


class CountingPaginator(Paginator):  # type: ignore[type-arg]  # generic only in django-stubs
    """Django's paginator, but a page of a query counts the whole list in the same statement, as a subquery:
    one round trip and one query to compile instead of two, and the same plans as the two queries apart (the
    count is not a window over the page's rows, which would read every matching row in full). An empty page
    needs no count: an empty first page is an empty list, and any other is past the last page.

    Given a `Prepared` list (workers/postgresql/statements.py) instead of a query, it runs the page and its
    count as a statement compiled once for the list's shape and the page's window, bound to this request's
    values."""

    TOTAL = "page_list_total"  # the annotation that carries the count; removed from the rows
    MAX_OFFSET = 2**62  # far below PostgreSQL's bigint OFFSET (a larger number is an error, not a 404)

    def page(self, number: Any) -> Page[Any]:
        rows = self.object_list
        prepared = rows if isinstance(rows, Prepared) else None
        if prepared is None and (
            not isinstance(rows, QuerySet) or rows.query.distinct or rows.query.combinator
        ):
            return super().page(number)
        number = self._positive(number)
        bottom = (number - 1) * self.per_page
        if bottom > self.MAX_OFFSET:  # past any last page, and past what OFFSET takes: 404 after a count
            if prepared is not None:
                self.object_list = prepared.queryset()
            return super().page(number)
        if prepared is None:  # a query (checked above)
            return self._counted_page(list(self._window(cast("QuerySet[Any, Any]", rows), bottom)), number)
        # A prepared list: the window and its count as a statement compiled once for the list's shape and
        # this window (workers/postgresql/statements.py).
        window = statement(
            (prepared.key, bottom, self.per_page),
            lambda: self._window(
                prepared.build(**prepared.placeholders()), bottom, by_window=prepared.count_by_window
            ),
        )
        return self._counted_page(window.results(prepared.values), number)

    def _window(
        self, rows: QuerySet[Any, Any], bottom: int, *, by_window: bool = False
    ) -> QuerySet[Any, Any]:
        """The rows of the page from `bottom`, each with the count of the whole list: a subquery, or with
        `by_window` a `count(*) OVER ()` (PostgreSQL then reads every matching row before the page's)."""
        total = Window(Count("*")) if by_window else _Count(rows.order_by().values("pk"))
        counted = rows.annotate(**{self.TOTAL: total})
        window: QuerySet[Any, Any] = counted[bottom : bottom + self.per_page]
        return window

    def _counted_page(self, page: list[Any], number: int) -> Page[Any]:
        # Paginator.count is a cached property: each branch gives its value, or needs none.
        if page:
            self.count = pop_annotation(page[0], self.TOTAL)
            for row in page[1:]:
                pop_annotation(row, self.TOTAL)
        elif number == 1:
            self.count = 0  # no row from the first on: the list is empty
        else:
            # No row from this page's first on: the list ends before it, so the page is past the last one,
            # whatever the count (Paginator.validate_number's answer, without counting).
            raise EmptyPage(self.error_messages["no_results"])
        return Page(page, self.validate_number(number), self)

    def _positive(self, number: Any) -> int:
        """Paginator.validate_number without its upper bound (which would count)."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            value = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return value


def pop_annotation(row: Any, name: str) -> Any:
    """Takes an annotation that a paginator added off a row (a `values()` dict or a model instance)."""
    return row.pop(name) if isinstance(row, dict) else row.__dict__.pop(name)


class Pagination(PageNumberPagination):
    django_paginator_class = CountingPaginator
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class PageInputSerializer(InputSerializer):
    """The page of a list: read by the paginator, validated here so that a malformed value is a 400, not a
    silent default."""

    page = serializers.IntegerField(required=False, min_value=1, help_text="From 1; past the last is a 404.")
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=f"Items per page, {PAGE_SIZE} unless given; at most {MAX_PAGE_SIZE}.",
    )


def page_serializer(
    name: str, results: type[serializers.BaseSerializer[Any]]
) -> type[serializers.Serializer[Any]]:
    """The serializer (for the schema) of one page of `results`' items, as `Pagination` returns it; `name` is
    its class name, e.g. "TaskPageSerializer", whose schema component is "TaskPage"."""
    count = serializers.IntegerField(help_text="Items that match, on every page.")
    return _page_shape(name, results, count=count, doc="One page of a list, as the paginator returns it.")


def cursor_page_serializer(
    name: str, results: type[serializers.BaseSerializer[Any]]
) -> type[serializers.Serializer[Any]]:
    """The serializer (for the schema) of one page of `results`' items, as `CursorPagination` (cursors.py)
    returns it: no count."""
    return _page_shape(
        name, results, doc="One page of a list read by cursor: its neighbours' links, no count."
    )


def _page_shape(
    name: str,
    results: type[serializers.BaseSerializer[Any]],
    *,
    doc: str,
    **leading: serializers.Field[Any, Any, Any, Any],
) -> type[serializers.Serializer[Any]]:
    fields: dict[str, Any] = {
        "__doc__": doc,
        **leading,
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
        "previous": serializers.URLField(
            allow_null=True, help_text="The previous page, or null on the first."
        ),
        "results": results(many=True),  # made last: DRF orders fields as made
    }
    return type(name, (serializers.Serializer,), fields)
