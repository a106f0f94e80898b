"""Traces, live: the demo service's spans reach the OTLP receiver (the sinks', where no Jaeger runs) with
their structure and attributes, a caller's traceparent continues its trace, coverage at sampling 1.0 is
at least 80 %, and a lower sampling ratio keeps the share of traces it says (within 4 standard
deviations of the binomial), and a log line's trace id leads to its trace."""

from __future__ import annotations

import json
import math
import secrets
import time

import pytest

from monsuite.clients.demo import DemoClient

from monsuite.fixtures.stack import require, require_kind
from monsuite.sinks.client import SinkClient
from monsuite.trace_coverage import coverage, exporting, send
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

REQUESTS = 200
LOW_RATIO, LOW_REQUESTS = 0.25, 400
SIGMAS = 4  # the stated tolerance of the sampling check: 4 standard deviations of Binomial(n, ratio)


@pytest.fixture(scope="module")
def service(stack):
    handle = next((h for h in stack.of_kind("app")), None)
    if handle is None:
        pytest.skip("the stack has no demo service (kind app)")
    if not exporting(handle.url):
        pytest.skip("the demo service does not export traces (start it with --otlp-endpoint)")
    return handle.url


@pytest.fixture(scope="module")
def receiver(stack, service):
    if stack.url("jaeger"):
        pytest.skip("traces go to Jaeger here: suites/test_jaeger.py checks them")
    return SinkClient(require_kind(stack, "sink").url)


def _sampling(service: str, ratio: float) -> None:
    DemoClient(service).set_sampling(ratio)


def test_coverage_at_full_sampling(service, receiver, record_measurement):
    _sampling(service, 1.0)
    found, sent = coverage(service, receiver, REQUESTS)
    record_measurement("trace_coverage", found / sent)
    assert found / sent >= 0.8, f"{found}/{sent} requests traced ({found / sent:.1%} < 80 %)"


def test_a_lower_sampling_ratio_keeps_its_share(service, receiver, record_measurement):
    _sampling(service, LOW_RATIO)
    try:
        found, sent = coverage(service, receiver, LOW_REQUESTS)
    finally:
        _sampling(service, 1.0)
    tolerance = SIGMAS * math.sqrt(LOW_RATIO * (1 - LOW_RATIO) / LOW_REQUESTS)
    share = found / sent
    record_measurement("sampled_share", share)
    assert abs(share - LOW_RATIO) <= tolerance, f"sampled {share:.1%} at ratio {LOW_RATIO} (tolerance ±{tolerance:.1%})"


def test_spans_have_their_structure_and_a_traceparent_continues_its_trace(service, receiver):
    _sampling(service, 1.0)
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    response = DemoClient(service, timeout=10).execute(headers={"traceparent": f"00-{trace_id}-{parent}-01"})
    assert response.headers["x-trace-id"] == trace_id
    spans = wait_until(lambda: receiver.spans(trace_id=trace_id), accept=lambda s: len(s) >= 4, timeout=30,
                       what=f"the 4 spans of trace {trace_id}")
    server = next(s for s in spans if s["kind"] == "server")
    assert server["parent_span_id"] == parent, "the caller's span is the server span's parent"
    assert server["name"] == "POST /api/v1/executions" and server["service"] == "windmill-platform-api"
    assert server["attributes"]["http.route"] == "/api/v1/executions"
    assert server["attributes"]["http.response.status_code"] == 201
    children = {s["name"]: s for s in spans if s is not server}
    assert set(children) == {"queue.enqueue", "automation.run", "db.insert execution"}
    assert all(c["parent_span_id"] == server["span_id"] for c in children.values())
    assert children["db.insert execution"]["kind"] == "client" and children["db.insert execution"]["attributes"]["db.system"] == "postgresql"
    assert children["queue.enqueue"]["kind"] == "producer"


def test_a_log_lines_trace_id_leads_to_its_trace(stack, service, receiver):
    name = next(n for n, h in stack.handles.items() if h.url == service)
    require(stack, name)
    _sampling(service, 1.0)
    marker = time.time()
    stack.mark_log(name, marker)
    trace_id = send(service, 1)[0]

    def logged():
        for line in stack.read_log(name, since=marker).splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("trace_id") == trace_id:
                return record
        return None

    record = wait_until(logged, timeout=10, what=f"the log line of trace {trace_id}")
    spans = wait_until(lambda: receiver.spans(trace_id=record["trace_id"]), timeout=30, what="the logged trace")
    assert any(s["kind"] == "server" for s in spans)
