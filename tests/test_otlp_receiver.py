"""The sinks' OTLP/HTTP trace receiver, fed by the OpenTelemetry SDK's own exporter (protobuf) and by a body
in OTLP's JSON encoding as the specification shows it (hex ids); malformed bodies are refused with 400."""

from __future__ import annotations

import time

import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from monsuite.demo.tracing import Tracing
from monsuite.sinks.client import SinkClient

OTLP_JSON = {  # the shape of the OTLP/HTTP JSON example in the OpenTelemetry protocol specification
    "resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
        "scopeSpans": [{
            "scope": {"name": "manual"},
            "spans": [{
                "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                "parentSpanId": "eee19b7ec3c1b173", "name": "GET /cart", "kind": 2,
                "startTimeUnixNano": "1544712660000000000", "endTimeUnixNano": "1544712661000000000",
                "attributes": [{"key": "http.response.status_code", "value": {"intValue": "200"}}],
                "status": {"code": 1},
            }],
        }],
    }],
}


def test_the_sdk_exporter_delivers_spans_in_protobuf(sink_server):
    provider = TracerProvider(resource=Resource.create({"service.name": "unit"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{sink_server.url}/v1/traces")))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("parent", kind=SpanKind.SERVER) as parent:
        with tracer.start_as_current_span("child", attributes={"db.system": "redis"}):
            pass
    provider.shutdown()
    trace_id = f"{parent.get_span_context().trace_id:032x}"
    spans = {s["name"]: s for s in SinkClient(sink_server.url).spans(trace_id=trace_id)}
    assert set(spans) == {"parent", "child"}
    assert spans["child"]["parent_span_id"] == spans["parent"]["span_id"] and spans["parent"]["kind"] == "server"
    assert spans["child"]["attributes"] == {"db.system": "redis"} and spans["child"]["service"] == "unit"
    assert abs(spans["child"]["received_at"] - time.time()) < 60


def test_a_json_body_with_hex_ids_is_read_as_the_specification_says(sink_server):
    answer = requests.post(f"{sink_server.url}/v1/traces", json=OTLP_JSON, timeout=5)
    assert answer.status_code == 200 and answer.json() == {}
    [span] = SinkClient(sink_server.url).spans(trace_id="5b8efff798038103d269b633813fc60c")
    assert (span["span_id"], span["parent_span_id"], span["name"]) == ("eee19b7ec3c1b174", "eee19b7ec3c1b173", "GET /cart")
    assert span["service"] == "checkout" and span["attributes"] == {"http.response.status_code": 200}
    assert span["status"] == "ok" and span["end_ns"] - span["start_ns"] == 1_000_000_000


def test_malformed_bodies_are_refused(sink_server):
    for body, content_type in ((b"\xff\x00garbage", "application/x-protobuf"), (b"{not json", "application/json"),
                               (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}', "application/json")):
        answer = requests.post(f"{sink_server.url}/v1/traces", data=body, headers={"Content-Type": content_type}, timeout=5)
        assert answer.status_code == 400, body
        assert "OTLP" in answer.json()["error"]


def test_without_an_endpoint_a_request_still_gets_its_trace_id():
    tracing = Tracing("unit", None)
    headers = [(b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    with tracing.server_span("GET", "/x", headers) as (span, trace_id):
        assert trace_id == "0af7651916cd43dd8448eb211c80319c" and not span.is_recording()
    with tracing.server_span("GET", "/x", []) as (_, fresh):
        assert len(fresh) == 32 and fresh != trace_id
