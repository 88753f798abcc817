"""Serializers every API shares: input serializers that are cheap to make, and the page-number page of a list
(its query, its paginator and its shape in the OpenAPI schema)."""

import copy
from typing import Any

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

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


class Pagination(PageNumberPagination):
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
    fields: dict[str, Any] = {
        "__doc__": "One page of a list, as the paginator returns it.",
        "count": serializers.IntegerField(help_text="Items that match, on every page."),
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
        "previous": serializers.URLField(
            allow_null=True, help_text="The previous page, or null on the first."
        ),
        "results": results(many=True),  # made last: DRF orders fields as made
    }
    return type(name, (serializers.Serializer,), fields)
