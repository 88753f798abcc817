"""Trace ids in log lines (both formats) and when tracing is on: the parts that need no Zipkin.

The whole trace, across every process and into a real Zipkin, is tests/system/test_tracing.py's.
"""

import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from workers.telemetry import tracing
from workers.telemetry.logs import TraceIds, json_formatter

CONTEXT = SpanContext(
    trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
    span_id=0x00F067AA0BA902B7,
    is_remote=False,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
)


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("todo.test", logging.WARNING, __file__, 1, message, (), None)
    assert TraceIds().filter(record)
    return record


def test_a_line_inside_a_trace_names_it_and_one_outside_does_not():
    plain = logging.Formatter("%(levelname)s %(message)s%(trace_suffix)s")
    with trace.use_span(NonRecordingSpan(CONTEXT)):
        inside = _record("inside")
    outside = _record("outside")
    assert plain.format(inside) == (
        "WARNING inside trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7"
    )
    assert plain.format(outside) == "WARNING outside"


def test_the_json_format_is_one_object_per_line_with_the_ids():
    with trace.use_span(NonRecordingSpan(CONTEXT)):
        record = _record("hello")
    line = json_formatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"time": "t"} == {
        "time": "t",
        "level": "WARNING",
        "logger": "todo.test",
        "message": "hello",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span_id": "00f067aa0ba902b7",
    }


@pytest.mark.parametrize(
    ("environment", "wanted"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "zipkin_json"}, True),
        ({"OTEL_TRACES_EXPORTER": "zipkin_json", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, False),  # not installed: said in a warning, and off
    ],
)
def test_tracing_is_on_only_when_asked_for_with_the_zipkin_exporter(monkeypatch, environment, wanted):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert tracing.requested() is wanted


def test_the_suite_runs_without_tracing():
    """Off by default: no provider, and events carry no trace context (see test_task_create.py)."""
    assert not tracing.enabled()
    assert tracing.current_context_headers() == {}


def _decision(sampler, name: str, kind: SpanKind, parent: SpanContext | None = None):
    context = trace.set_span_in_context(NonRecordingSpan(parent)) if parent is not None else None
    return sampler.should_sample(context, 0x4BF92F3577B34DA6A3CE929D0E0E4736, name, kind).decision


def test_which_spans_start_a_trace_and_which_follow_one():
    keep_all = tracing.sampler(1.0, frozenset({"run/notifications.enqueue_due_reminders"}))
    assert _decision(keep_all, "POST api/<str:user_id>/tasks", SpanKind.SERVER) == Decision.RECORD_AND_SAMPLE
    assert _decision(keep_all, "select", SpanKind.CLIENT) == Decision.DROP  # a lone query: a poll, a probe
    assert _decision(keep_all, "run/notifications.enqueue_due_reminders", SpanKind.CONSUMER) == Decision.DROP
    # Inside a kept trace, a query and a quiet task's run are kept: the trace asked for them.
    assert _decision(keep_all, "select", SpanKind.CLIENT, CONTEXT) == Decision.RECORD_AND_SAMPLE
    quiet_run = _decision(keep_all, "run/notifications.enqueue_due_reminders", SpanKind.CONSUMER, CONTEXT)
    assert quiet_run == Decision.RECORD_AND_SAMPLE
    # The ratio applies to new traces only; a trace's later spans follow its first one.
    keep_none = tracing.sampler(0.0)
    assert _decision(keep_none, "POST api/<str:user_id>/tasks", SpanKind.SERVER) == Decision.DROP
    assert _decision(keep_none, "select", SpanKind.CLIENT, CONTEXT) == Decision.RECORD_AND_SAMPLE
