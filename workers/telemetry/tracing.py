"""OpenTelemetry tracing, exported to Zipkin: off unless `OTEL_TRACES_EXPORTER=zipkin_json`.

Each process calls `configure_tracing()` once, where it starts (gunicorn's workers in todo_project/wsgi.py,
the relay and the bridges in their commands, Celery's worker processes on `worker_process_init`), naming
itself (`todo-api`, `todo-relay`, `todo-bridge-<name>`, `todo-worker-<node>`) unless `OTEL_SERVICE_NAME`
says otherwise. The standard variables apply: `OTEL_EXPORTER_ZIPKIN_ENDPOINT` (default
`http://localhost:9411/api/v2/spans`), `OTEL_TRACES_SAMPLER_ARG` (the ratio of new traces kept, default 1.0;
a trace's later spans follow its first one's decision), `OTEL_BSP_*` (batching), `OTEL_SDK_DISABLED`.

Database and Redis calls are spans only inside a trace: one with no parent (a relay's poll, a sweep's
query, a health probe) is never recorded, so polling does not flood Zipkin with one-span traces; nor is a
run of a task named in `quiet_roots` (the sweeps, every second or two) that no trace asked for.
"""

import logging
import os
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

logger = logging.getLogger(__name__)

EXPORTER = "zipkin_json"

_provider: TracerProvider | None = None


def requested() -> bool:
    """Whether this process's environment asks for traces."""
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true" or exporter in ("", "none"):
        return False
    if exporter != EXPORTER:
        logger.warning(
            "OTEL_TRACES_EXPORTER=%s is not supported (only %s): tracing stays off", exporter, EXPORTER
        )
        return False
    return True


def enabled() -> bool:
    """Whether this process records spans (code that only builds spans asks this first: nothing to do)."""
    return _provider is not None


class _NoLoneClientCalls(Sampler):
    """Drops a root span of kind CLIENT (a query or Redis call outside any trace) and the quiet roots
    (by span name); the rest by ratio. Used as the root sampler: only spans without a parent come here."""

    def __init__(self, ratio: float, quiet_roots: frozenset[str]) -> None:
        self.ratio = TraceIdRatioBased(ratio)
        self.quiet_roots = quiet_roots

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind == SpanKind.CLIENT or name in self.quiet_roots:
            return SamplingResult(Decision.DROP)
        return self.ratio.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"NoLoneClientCalls{{{self.ratio.get_description()}}}"


def sampler(ratio: float, quiet_roots: frozenset[str] = frozenset()) -> Sampler:
    """A trace's first span decides for the whole trace: kept by ratio, never when a lone CLIENT call or a
    quiet root."""
    return ParentBased(root=_NoLoneClientCalls(ratio, quiet_roots))


def _ratio() -> float:
    raw = os.environ.get("OTEL_TRACES_SAMPLER_ARG", "").strip()
    try:
        ratio = float(raw) if raw else 1.0
    except ValueError:
        logger.warning("OTEL_TRACES_SAMPLER_ARG=%r is not a number: keeping every trace", raw)
        return 1.0
    return min(max(ratio, 0.0), 1.0)


def configure_tracing(
    service_name: str, *, instrument: Sequence[str] = (), quiet_roots: frozenset[str] = frozenset()
) -> bool:
    """Set up this process's tracer provider and the named instrumentations (`django`, `psycopg`, `redis`,
    `celery`), when tracing is requested; returns whether it is on. Calling it again does nothing.
    `quiet_roots`: names of spans never kept as the start of a trace."""
    global _provider
    if _provider is not None or not requested():
        return _provider is not None
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or service_name
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: name}),
        sampler=sampler(_ratio(), quiet_roots),
    )
    provider.add_span_processor(BatchSpanProcessor(ZipkinExporter()))
    trace.set_tracer_provider(provider)
    _provider = provider
    for name in instrument:
        _INSTRUMENTATIONS[name]()
    logger.info("tracing on: %s, sampling %.2f of new traces", name, _ratio())
    return True


def flush() -> None:
    """Export what is buffered (a Celery worker process exits without running atexit hooks)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)


def _django() -> None:
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().instrument(excluded_urls="health/.*,metrics,ical/.*")  # a feed URL is a secret


def _psycopg() -> None:
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    PsycopgInstrumentor().instrument(enable_commenter=False)


def _redis() -> None:
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()


def _celery() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    CeleryInstrumentor().instrument()  # type: ignore[no-untyped-call]


_INSTRUMENTATIONS = {"django": _django, "psycopg": _psycopg, "redis": _redis, "celery": _celery}

tracer = trace.get_tracer("todo_platform")


def context_from(carrier: Mapping[str, str]) -> Context:
    """The trace context a message carries (W3C `traceparent`), for a span that continues it."""
    from opentelemetry.propagate import extract

    return extract(carrier)


def kafka_span(
    operation: str, topic: str, headers: Mapping[str, str], *, kind: SpanKind, attributes: Attributes
) -> trace.Span | None:
    """A started span of sending (`send`) or handling (`process`) one Kafka record, continuing the trace
    its `headers` carry; None when tracing is off or they carry no trace. The caller ends it."""
    if not enabled() or "traceparent" not in headers:
        return None
    return tracer.start_span(
        f"{topic} {'publish' if operation == 'send' else operation}",
        context=context_from(headers),
        kind=kind,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": operation,
            "messaging.destination.name": topic,
            **(attributes or {}),
        },
    )


def continued_span(
    name: str, carrier: Mapping[str, str], *, kind: SpanKind, attributes: Attributes = None
) -> AbstractContextManager[object]:
    """A span, current while the block runs, continuing the trace `carrier` holds (an event of a batch
    continues its own record's trace, not the batch message's); nothing when tracing is off or the carrier
    holds no trace."""
    if not enabled() or "traceparent" not in carrier:
        return nullcontext()
    span = tracer.start_span(name, context=context_from(carrier), kind=kind, attributes=attributes)
    return trace.use_span(span, end_on_exit=True)


def sampled(carrier: Mapping[str, str]) -> bool:
    """Whether the trace `carrier` holds is kept (W3C `traceparent` flags, sampled bit), tracing on here."""
    if not enabled():
        return False
    flags = carrier.get("traceparent", "").rsplit("-", 1)[-1]
    try:
        return bool(int(flags, 16) & 1)
    except ValueError:
        return False


def span_headers(span: trace.Span) -> dict[str, str]:
    """`span`'s W3C trace context as headers, for the message it sends on."""
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def current_context_headers() -> dict[str, str]:
    """The current span's W3C trace context as headers (`traceparent`, `tracestate`); none outside one."""
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier
