"""Trace ids in log lines: a filter that puts the current span's ids on every record, and the JSON
format (`LOG_FORMAT=json`); settings.LOGGING wires both."""

import logging

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter


class TraceIds(logging.Filter):
    """Sets `trace_id` and `span_id` (empty outside a recorded trace) and `trace_suffix`, which the plain
    format appends: ` trace_id=... span_id=...` inside a trace, nothing outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        trace_id = span_id = suffix = ""
        if context.is_valid:
            trace_id = trace.format_trace_id(context.trace_id)
            span_id = trace.format_span_id(context.span_id)
            suffix = f" trace_id={trace_id} span_id={span_id}"
        record.trace_id, record.span_id, record.trace_suffix = trace_id, span_id, suffix
        return True


def json_formatter() -> JsonFormatter:
    """One JSON object per line: time, level, logger, message, trace and span ids, and any `extra`."""
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "trace_suffix"],
    )
