"""The demo service's traces, with the OpenTelemetry SDK: a server span per request (a caller's W3C
traceparent continues its trace), child spans for the database, the queue and downstream work, exported
over OTLP/HTTP in batches. The sampling ratio can be changed while the service runs (PUT /tracing), so a
suite can measure coverage at several ratios on one stack.

Without an OTLP endpoint nothing is recorded or exported, but every request still gets a trace id (for
its log line and its x-trace-id header), taken from its traceparent when it has one.
"""

from __future__ import annotations

import contextlib
import secrets

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

EXPORT_DELAY_MS = 200  # how long a span may wait in the batch: small, so a suite sees spans promptly


class AdjustableRatio(Sampler):
    """TraceIdRatioBased whose ratio can change at run time."""

    def __init__(self, ratio: float):
        self.set(ratio)

    def set(self, ratio: float) -> None:
        if not 0 <= ratio <= 1:
            raise ValueError("the sampling ratio is between 0 and 1")
        self.ratio = ratio
        self._sampler = TraceIdRatioBased(ratio)

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):
        return self._sampler.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"AdjustableRatio{{{self.ratio}}}"


class NeverSample(Sampler):
    def should_sample(self, *args, **kwargs):
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        return "NeverSample"


class Tracing:
    def __init__(self, service_name: str, endpoint: str | None, ratio: float = 1.0, environment: str = "ci"):
        self.endpoint = endpoint
        self.ratio_sampler = AdjustableRatio(ratio)
        sampler = ParentBased(self.ratio_sampler) if endpoint else NeverSample()
        self.provider = TracerProvider(sampler=sampler, resource=Resource.create(
            {"service.name": service_name, "deployment.environment": environment}))
        if endpoint:
            self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, timeout=5),
                                                                schedule_delay_millis=EXPORT_DELAY_MS))
        self.tracer = self.provider.get_tracer("monsuite.demo")
        self.propagator = TraceContextTextMapPropagator()

    @property
    def state(self) -> dict:
        return {"endpoint": self.endpoint, "sampling_ratio": self.ratio_sampler.ratio, "exporting": bool(self.endpoint)}

    @contextlib.contextmanager
    def server_span(self, method: str, path: str, headers: list[tuple[bytes, bytes]]):
        """The request's span (a caller's traceparent continues its trace); yields (span, trace id hex)."""
        carrier = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
        if not self.endpoint:  # nothing is recorded: spare every request the SDK's work
            yield trace.INVALID_SPAN, _caller_trace_id(carrier)
            return
        context = self.propagator.extract(carrier)
        with self.tracer.start_as_current_span(f"{method} {path}", context=context, kind=trace.SpanKind.SERVER,
                                               attributes={"http.request.method": method, "url.path": path}) as span:
            span_context = span.get_span_context()
            trace_id = f"{span_context.trace_id:032x}" if span_context.is_valid else _caller_trace_id(carrier)
            yield span, trace_id

    def child(self, name: str, kind=trace.SpanKind.INTERNAL, **attributes):
        return self.tracer.start_as_current_span(name, kind=kind, attributes=attributes)

    def shutdown(self) -> None:
        self.provider.shutdown()  # exports what is still batched


def caller_trace_id(headers: list[tuple[bytes, bytes]]) -> str:
    """Tracing off: the trace id of a W3C traceparent if the caller sent one, else a new one."""
    for name, value in headers:
        if name.lower() == b"traceparent":
            return _caller_trace_id({"traceparent": value.decode("latin-1")})
    return secrets.token_hex(16)


def _caller_trace_id(carrier: dict) -> str:
    parts = carrier.get("traceparent", "").split("-")
    if len(parts) >= 2 and len(parts[1]) == 32:
        return parts[1]
    return secrets.token_hex(16)
