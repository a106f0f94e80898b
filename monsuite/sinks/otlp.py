"""A local OTLP/HTTP trace receiver: `POST /v1/traces` with an ExportTraceServiceRequest in protobuf
(application/x-protobuf) or in OTLP's JSON encoding (application/json), decoded with the
opentelemetry-proto package; every span is kept (bounded) with the time it arrived, and listed by
`GET /spans?trace_id=&since_id=`.

OTLP's JSON differs from protobuf's canonical JSON in one way: trace and span ids are hex strings, not
base64; they are converted before the protobuf JSON parser reads them.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections import deque

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

MAX_SPANS = 200_000
KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
ID_FIELDS = ("traceId", "spanId", "parentSpanId")


class OtlpError(ValueError):
    """A body that is not an ExportTraceServiceRequest (answered 400, as OTLP/HTTP says)."""


def decode(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    try:
        if content_type.split(";")[0].strip() == "application/json":
            json_format.ParseDict(_ids_as_base64(json.loads(body)), request)
        else:
            request.ParseFromString(body)
    except (DecodeError, json_format.ParseError, ValueError) as exc:
        raise OtlpError(f"not an OTLP ExportTraceServiceRequest: {exc}") from None
    return request


def _ids_as_base64(document):
    if isinstance(document, dict):
        return {k: (base64.b64encode(bytes.fromhex(v)).decode() if k in ID_FIELDS and isinstance(v, str) else _ids_as_base64(v))
                for k, v in document.items()}
    if isinstance(document, list):
        return [_ids_as_base64(item) for item in document]
    return document


def _value(any_value) -> object:
    field = any_value.WhichOneof("value")
    if field in ("array_value", "kvlist_value"):
        return json_format.MessageToDict(getattr(any_value, field))
    return getattr(any_value, field) if field else None


def spans_of(request: ExportTraceServiceRequest, received_at: float) -> list[dict]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append({
                    "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex() or None, "name": span.name,
                    "kind": KINDS.get(span.kind, str(span.kind)), "service": resource.get("service.name"),
                    "attributes": {a.key: _value(a.value) for a in span.attributes},
                    "status": {0: "unset", 1: "ok", 2: "error"}.get(span.status.code, str(span.status.code)),
                    "start_ns": span.start_time_unix_nano, "end_ns": span.end_time_unix_nano,
                    "received_at": received_at, "scope": scope_spans.scope.name,
                })
    return spans


def response_body(content_type: str) -> tuple[bytes, str]:
    """An empty ExportTraceServiceResponse, in the encoding of the request."""
    if content_type.split(";")[0].strip() == "application/json":
        return b"{}", "application/json"
    return ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf"


class SpanStore:
    def __init__(self, limit: int = MAX_SPANS):
        self._spans: deque[dict] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.requests = 0

    def add(self, spans: list[dict]) -> None:
        with self._lock:
            self.requests += 1
            for span in spans:
                self._spans.append({"id": next(self._ids), **span})

    def query(self, trace_id: str | None = None, since_id: int = 0) -> list[dict]:
        with self._lock:
            return [s for s in self._spans if s["id"] > since_id and (trace_id is None or s["trace_id"] == trace_id)]

    def trace_ids(self, since_id: int = 0) -> list[str]:
        with self._lock:
            return sorted({s["trace_id"] for s in self._spans if s["id"] > since_id})

    def stats(self) -> dict:
        with self._lock:
            return {"spans": len(self._spans), "requests": self.requests, "last_id": self._spans[-1]["id"] if self._spans else 0,
                    "at": time.time()}
