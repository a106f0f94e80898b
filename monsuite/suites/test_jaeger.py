"""Jaeger, live wherever it runs (the image with a registry, a jaeger binary on PATH, the one
`monsuite components build jaeger` makes, or --jaeger-url): the demo service and its operations appear, coverage at
sampling 1.0 is at least 80 %, spans carry their attributes, and a log line's trace id resolves to a trace.
Where Jaeger cannot be had, these skip naming it and how to provide it; the same checks run against the
sinks' OTLP receiver in suites/test_traces.py."""

from __future__ import annotations

import time

import pytest

from monsuite.clients.demo import DemoClient

from monsuite.clients.jaeger import JaegerClient
from monsuite.fixtures.stack import require_kind
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

SERVICE = "windmill-platform-api"
REQUESTS = 100


@pytest.fixture(scope="module")
def jaeger(stack) -> JaegerClient:
    return JaegerClient(require_kind(stack, "jaeger").url)


@pytest.fixture(scope="module")
def demo(stack) -> DemoClient:
    return DemoClient(require_kind(stack, "app").url)


def test_the_service_and_its_operations_appear(jaeger, demo):
    demo.execute(timeout=10)
    wait_until(lambda: SERVICE in jaeger.services(), timeout=60, what=f"service {SERVICE} in Jaeger")
    operations = wait_until(lambda: jaeger.operations(SERVICE), accept=lambda ops: "POST /api/v1/executions" in ops,
                            timeout=60, what="the executions operation in Jaeger")
    assert {"db.insert execution", "queue.enqueue"} <= set(operations)


def test_coverage_at_full_sampling_and_span_attributes(jaeger, demo):
    demo.set_sampling(1.0)
    trace_ids = [demo.execute(timeout=10).headers["x-trace-id"] for _ in range(REQUESTS)]
    found = wait_until(lambda: [t for t in trace_ids if jaeger.trace(t)], accept=lambda f: len(f) >= 0.8 * REQUESTS,
                       timeout=120, interval=1.0, what="80 % of the traces in Jaeger")
    assert len(found) / REQUESTS >= 0.8
    spans = jaeger.trace(found[0])
    server = next(s for s in spans if s.parent_span_id is None)
    assert server.service == SERVICE and server.tags.get("http.route") == "/api/v1/executions"


def test_a_log_lines_trace_id_resolves(stack, jaeger, demo):
    name = next(n for n, h in stack.handles.items() if h.url == demo.url)
    marker = time.time()
    stack.mark_log(name, marker)
    trace_id = demo.automations(timeout=10).headers["x-trace-id"]
    wait_until(lambda: trace_id in stack.read_log(name, since=marker), timeout=10, what="the request's log line")
    assert wait_until(lambda: jaeger.trace(trace_id), timeout=60, what=f"trace {trace_id} in Jaeger")


def test_trace_coverage_read_from_jaegers_query_api(jaeger, demo, record_measurement):
    """The nightly's trace-coverage SLI as it reads it: requests sent, their traces found through the query API."""
    from monsuite.trace_coverage import coverage_in_jaeger

    demo.set_sampling(1.0)
    found, sent = coverage_in_jaeger(demo.url, jaeger, 200)
    record_measurement("trace_coverage", f"{found}/{sent}")
    assert found / sent > 0.8, f"{found}/{sent} traces in Jaeger (seeds: trace coverage > 80 %)"
