"""The Loki client on answers shaped as Loki's HTTP API documents them (streams, matrix, labels), and its
errors: a refused LogQL query (400, plain text), a metric query asked as logs, 500s, non-JSON, no server."""

from __future__ import annotations

import pytest

from monsuite.clients.http import ServiceError
from monsuite.clients.loki import LokiClient
from tests.stub_http import StubServer

STREAMS = {"status": "success", "data": {"resultType": "streams", "result": [
    {"stream": {"service": "windmill-platform-api", "level": "error"},
     "values": [["1700000000000000000", '{"level":"ERROR","trace_id":"abc"}'], ["1700000001000000000", '{"level":"ERROR"}']]},
], "stats": {"summary": {"bytesProcessedPerSecond": 1}}}}
MATRIX = {"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"level": "error"}, "values": [[1700000000, "2"], [1700000060, "5"]]}]}}


@pytest.fixture
def loki():
    stub = StubServer({"/loki/api/v1/query_range": (200, STREAMS),
                       "/loki/api/v1/labels": (200, {"status": "success", "data": ["level", "service"]}),
                       "/loki/api/v1/label/level/values": (200, {"status": "success", "data": ["error", "info"]})})
    yield stub
    stub.close()


def test_log_queries_labels_and_values(loki):
    client = LokiClient(loki.url)
    entries = client.query_range('{service="windmill-platform-api"} |= "ERROR"', start_ns=1, end_ns=2, limit=50)
    assert [e.timestamp_ns for e in entries] == [1700000000000000000, 1700000001000000000]
    assert entries[0].labels["level"] == "error" and '"trace_id":"abc"' in entries[0].line
    assert loki.requests[-1][1] == {"query": '{service="windmill-platform-api"} |= "ERROR"', "start": "1", "end": "2",
                                    "limit": "50", "direction": "forward"}
    assert client.labels() == ["level", "service"] and client.label_values("level") == ["error", "info"]


def test_a_metric_query_is_read_as_a_matrix_and_refused_as_logs(loki):
    loki.answers["/loki/api/v1/query_range"] = (200, MATRIX)
    client = LokiClient(loki.url)
    assert client.metric_range('sum by (level) (count_over_time({service="x"}[1m]))', start_ns=1, end_ns=2, step_s=60)[0]["values"][1] == [1700000060, "5"]
    with pytest.raises(ServiceError, match="metric query"):
        client.query_range('sum(count_over_time({service="x"}[1m]))')


def test_errors_are_one_line_naming_loki(loki):
    loki.answers["/loki/api/v1/query_range"] = (400, b"parse error at line 1, col 5: syntax error: unexpected IDENTIFIER")
    with pytest.raises(ServiceError, match="refused: parse error"):
        LokiClient(loki.url).query_range("{bad")
    loki.answers["/loki/api/v1/labels"] = (500, b"too many outstanding requests")
    with pytest.raises(ServiceError, match="HTTP 500"):
        LokiClient(loki.url).labels()
    loki.answers["/loki/api/v1/labels"] = (200, b"<html>a proxy page</html>")
    with pytest.raises(ServiceError, match="Loki at"):
        LokiClient(loki.url).labels()
    with pytest.raises(ServiceError, match="connection refused|cannot connect"):
        LokiClient("http://127.0.0.1:1").labels()
