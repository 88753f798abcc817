"""The JSON renderer of every API: DRF's JSONRenderer's bytes, encoded by orjson.

DRF's renderer runs the standard library's encoder with a Python `default` hook for every value it does not
know; orjson encodes the same compact UTF-8 JSON several times faster. What orjson would write differently
falls back to DRF: an `indent` asked for, a string that is not valid UTF-8 (a lone surrogate). One
difference is kept: a NaN or an infinity, which no API returns, would be written as null where DRF fails.

Data may hold JSON already written (an `orjson.Fragment`, a page of tasks: tasks_app/outputs.py): orjson puts
it in place; DRF's way reads it back first.
"""

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Dates and times go through DRF's `default`: orjson would cut an offset with seconds (a zone's local mean
# time before 1900, +05:53:28) to the minute.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_default = JSONEncoder().default  # what DRF does with dates, decimals, lazy strings, UUIDs, ...
# JSON allows these two line separators raw; JavaScript before ES2019 did not, so DRF escapes them.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class _Encoder(JSONEncoder):
    """DRF's encoder, which also reads back JSON orjson wrote already (to indent it)."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, orjson.Fragment):
            return orjson.loads(orjson.dumps(obj))
        return super().default(obj)


class OrjsonRenderer(JSONRenderer):
    encoder_class = _Encoder

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", dict(renderer_context or {})):
            return self._drf(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return self._drf(data, accepted_media_type, renderer_context)
        if b"\xe2\x80" in rendered:
            for raw, escaped in _LINE_SEPARATORS:
                rendered = rendered.replace(raw, escaped)
        return rendered

    def _drf(
        self, data: Any, accepted_media_type: str | None, renderer_context: Mapping[str, Any] | None
    ) -> bytes:
        rendered: bytes = super().render(data, accepted_media_type, renderer_context)
        return rendered
