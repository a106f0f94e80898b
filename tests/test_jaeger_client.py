"""The Jaeger query client on answers shaped as Jaeger's query API returns them (the envelope, a trace's
spans, references and processes), on answers recorded from a real Jaeger 2, and its errors: a missing
trace, an error envelope, 500s, non-JSON."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from monsuite.clients.http import ServiceError
from monsuite.clients.jaeger import JaegerClient
from tests.stub_http import StubServer

TRACE = {
    "traceID": "5b8efff798038103d269b633813fc60c",
    "spans": [
        {"traceID": "5b8efff798038103d269b633813fc60c", "spanID": "aaaa000000000001", "operationName": "POST /api/v1/executions",
         "references": [], "startTime": 1700000000000000, "duration": 2500, "processID": "p1",
         "tags": [{"key": "http.response.status_code", "type": "int64", "value": 201}, {"key": "span.kind", "type": "string", "value": "server"}]},
        {"traceID": "5b8efff798038103d269b633813fc60c", "spanID": "aaaa000000000002", "operationName": "db.insert execution",
         "references": [{"refType": "CHILD_OF", "traceID": "5b8efff798038103d269b633813fc60c", "spanID": "aaaa000000000001"}],
         "startTime": 1700000000001000, "duration": 300, "processID": "p1",
         "tags": [{"key": "db.system", "type": "string", "value": "postgresql"}]},
    ],
    "processes": {"p1": {"serviceName": "windmill-platform-api", "tags": []}},
    "warnings": None,
}


def envelope(data):
    return {"data": data, "total": len(data) if isinstance(data, list) else 0, "limit": 0, "offset": 0, "errors": None}


@pytest.fixture
def jaeger():
    stub = StubServer({
        "/api/services": (200, envelope(["windmill-platform-api", "jaeger-all-in-one"])),
        "/api/services/windmill-platform-api/operations": (200, envelope([{"name": "POST /api/v1/executions", "spanKind": "server"},
                                                                          {"name": "db.insert execution", "spanKind": "client"}])),
        "/api/traces": (200, envelope([TRACE])),
        f"/api/traces/{TRACE['traceID']}": (200, envelope([TRACE])),
        "/api/traces/ffffffffffffffffffffffffffffffff": (404, {"data": None, "errors": [{"code": 404, "msg": "trace not found"}]}),
        "/api/services/broken/operations": (200, {"data": None, "errors": [{"code": 500, "msg": "storage unavailable"}]}),
    })
    yield stub
    stub.close()


def test_services_operations_and_traces(jaeger):
    client = JaegerClient(jaeger.url)
    assert "windmill-platform-api" in client.services()
    assert client.operations("windmill-platform-api") == ["POST /api/v1/executions", "db.insert execution"]
    [trace] = client.traces("windmill-platform-api", operation="POST /api/v1/executions", limit=20, lookback="1h")
    assert jaeger.requests[-1] == ("/api/traces", {"service": "windmill-platform-api", "operation": "POST /api/v1/executions",
                                                  "limit": "20", "lookback": "1h"})
    server, child = trace
    assert (server.service, server.parent_span_id, server.tags["http.response.status_code"]) == ("windmill-platform-api", None, 201)
    assert child.parent_span_id == server.span_id and child.tags["db.system"] == "postgresql"


def test_a_trace_by_id_and_a_missing_one(jaeger):
    client = JaegerClient(jaeger.url)
    assert [s.operation for s in client.trace(TRACE["traceID"])] == ["POST /api/v1/executions", "db.insert execution"]
    assert client.trace("f" * 32) is None


def test_errors_are_one_line_naming_jaeger(jaeger):
    with pytest.raises(ServiceError, match="storage unavailable"):
        JaegerClient(jaeger.url).operations("broken")
    jaeger.answers["/api/services"] = (500, b"internal error")
    with pytest.raises(ServiceError, match="Jaeger query at .*HTTP 500"):
        JaegerClient(jaeger.url).services()
    jaeger.answers["/api/services"] = (200, b"<html>not jaeger</html>")
    with pytest.raises(ServiceError, match="Jaeger query"):
        JaegerClient(jaeger.url).services()
    with pytest.raises(ServiceError, match="connection refused|cannot connect"):
        JaegerClient("http://127.0.0.1:1").services()


RECORDED = Path(__file__).resolve().parent / "data" / "recorded" / "jaeger"  # scripts/record_jaeger_answers.py


def test_the_client_reads_answers_recorded_from_a_real_jaeger():
    answers = {path.stem: json.loads(path.read_text()) for path in RECORDED.glob("*.json")}
    stub = StubServer({urlsplit(a["path"]).path: (a["status"], a["body"]) for a in answers.values()})
    try:
        client = JaegerClient(stub.url)
        assert "windmill-platform-api" in client.services()
        assert "POST /api/v1/executions" in client.operations("windmill-platform-api")
        found = client.traces("windmill-platform-api", operation="POST /api/v1/executions", limit=2, lookback="1h")
        assert found and all(any(s.parent_span_id is None for s in trace) for trace in found)
        trace_id = urlsplit(answers["trace"]["path"]).path.rsplit("/", 1)[-1]
        spans = client.trace(trace_id)
        root = next(s for s in spans if s.parent_span_id is None)
        assert (root.service, root.operation) == ("windmill-platform-api", "POST /api/v1/executions")
        assert root.tags.get("http.route") == "/api/v1/executions" and root.duration_us > 0
        children = [s for s in spans if s.parent_span_id == root.span_id]
        assert children and all(s.trace_id == trace_id for s in spans)
        assert client.trace("f" * 32) is None  # Jaeger 2's 404 envelope
    finally:
        stub.close()
