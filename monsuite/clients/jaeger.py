"""Jaeger's query API (the HTTP JSON API the Jaeger UI uses): services, operations, trace search, trace by
id. Every answer is an envelope {"data": ..., "errors": [...]}; a trace is {traceID, spans, processes}
with spans' tags as [{key, type, value}] and the service of a span in processes[span.processID]."""

from __future__ import annotations

from dataclasses import dataclass, field

from monsuite.clients.http import ServiceClient, ServiceError, redacted


@dataclass
class Span:
    trace_id: str
    span_id: str
    operation: str
    service: str
    parent_span_id: str | None
    start_us: int
    duration_us: int
    tags: dict = field(default_factory=dict)


class JaegerClient(ServiceClient):
    service = "Jaeger query"
    hint = "is Jaeger's query service running, and is this its URL (port 16686)?"

    def _data(self, path: str, **params):
        body = self.json("GET", path, shape=dict, ok=(200, 404), params={k: v for k, v in params.items() if v is not None})
        errors = body.get("errors") or []
        if errors:
            if any(e.get("code") == 404 for e in errors if isinstance(e, dict)):
                return None
            raise ServiceError(f"Jaeger query at {redacted(self.url)}: GET {path}: {errors[0].get('msg', errors[0])}")
        return body.get("data")

    def services(self) -> list[str]:
        return list(self._data("/api/services") or [])

    def operations(self, service: str) -> list[str]:
        data = self._data(f"/api/services/{service}/operations") or []
        return sorted({(o["name"] if isinstance(o, dict) else str(o)) for o in data})

    def traces(self, service: str, *, operation: str | None = None, limit: int = 100, start_us: int | None = None,
               end_us: int | None = None, lookback: str | None = None) -> list[list[Span]]:
        data = self._data("/api/traces", service=service, operation=operation, limit=limit, start=start_us, end=end_us,
                          lookback=lookback) or []
        return [spans_of(trace) for trace in data]

    def trace(self, trace_id: str) -> list[Span] | None:
        data = self._data(f"/api/traces/{trace_id}")
        return spans_of(data[0]) if data else None


def spans_of(trace: dict) -> list[Span]:
    processes = trace.get("processes") or {}
    spans = []
    for raw in trace.get("spans") or []:
        parent = next((r["spanID"] for r in raw.get("references") or [] if r.get("refType") == "CHILD_OF"), None)
        spans.append(Span(raw["traceID"], raw["spanID"], raw["operationName"],
                          (processes.get(raw.get("processID")) or {}).get("serviceName", ""), parent,
                          int(raw.get("startTime", 0)), int(raw.get("duration", 0)),
                          {t["key"]: t.get("value") for t in raw.get("tags") or []}))
    return spans
