"""The export document (docs/export.md): written as a stream of bytes, read back as a stream of events.

Neither side ever holds the whole document: the export encodes one task at a time (orjson) and hands out
chunks of about `CHUNK_BYTES`; the import walks ijson's parse events and builds one task object at a time.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import ijson  # type: ignore[import-untyped]  # ships no type information
import orjson

FORMAT_NAME = "todo-export"
FORMAT_VERSION = 1
CHUNK_BYTES = 64 * 1024

# Datetimes as the API writes them: ISO 8601 in UTC with a `Z` (microseconds only when there are some).
_ENCODE_OPTIONS = orjson.OPT_UTC_Z


def encode_document(header: Mapping[str, Any], tasks: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """`{...header, "tasks": [...]}` in chunks; the header first, so a reader knows the format up front."""
    head = orjson.dumps(dict(header), option=_ENCODE_OPTIONS)
    buffer = bytearray(head[:-1])  # the header object without its closing brace
    buffer += b',"tasks":[' if len(head) > 2 else b'"tasks":['
    first = True
    for task in tasks:
        if not first:
            buffer += b","
        first = False
        buffer += orjson.dumps(task, option=_ENCODE_OPTIONS)
        if len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    buffer += b"]}\n"
    yield bytes(buffer)


class MalformedDocumentError(Exception):
    """Not JSON, or not the document's shape (an object whose `tasks` is an array)."""


@dataclass(frozen=True)
class Field:
    """A top-level member other than `tasks` (the header), with its value."""

    name: str
    value: Any


@dataclass(frozen=True)
class Item:
    """One element of `tasks`, at its index."""

    index: int
    value: Any


_OPENERS = {"start_map", "start_array"}
_CLOSERS = {"end_map", "end_array"}


def read_document(stream: IO[bytes]) -> Iterator[Field | Item]:
    """The document's header members and its tasks, in the order they come, without reading it all.

    Raises MalformedDocumentError for invalid JSON, a document that is not an object, or `tasks` that is
    not an array. Numbers with a fraction become floats (ijson's default, Decimal, is no JSON type here).
    """
    builder: Any = None  # ijson.ObjectBuilder of the value being assembled
    depth = 0
    target = ""  # "tasks" while building an item, else the header member's name
    index = 0
    seen_tasks = False
    try:
        events = ijson.parse(stream, use_float=True)
        first = next(events, None)
        if first is None:
            raise MalformedDocumentError("The document is empty.")
        if first[1] != "start_map":
            raise MalformedDocumentError("The document must be a JSON object.")
        for prefix, event, value in events:
            if builder is not None:
                builder.event(event, value)
                depth += (event in _OPENERS) - (event in _CLOSERS)
                if depth == 0:
                    yield Item(index, builder.value) if target == "tasks" else Field(target, builder.value)
                    index += target == "tasks"
                    builder = None
                continue
            if event == "map_key" or (event == "end_map" and prefix == ""):
                continue
            if prefix == "tasks":
                if event == "start_array" and not seen_tasks:
                    seen_tasks = True
                    continue
                if event == "end_array":
                    continue
                raise MalformedDocumentError("`tasks` must be an array, and appear once.")
            target = "tasks" if prefix == "tasks.item" else prefix
            if event in _OPENERS:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
            elif target == "tasks":
                yield Item(index, value)
                index += 1
            else:
                yield Field(target, value)
    except ijson.JSONError as error:
        reason = (str(error).splitlines() or ["cut short"])[0]  # yajl adds a drawing of where, over lines
        raise MalformedDocumentError(f"Not valid JSON: {reason}.") from error
    if not seen_tasks:
        raise MalformedDocumentError("The document has no `tasks` array.")
