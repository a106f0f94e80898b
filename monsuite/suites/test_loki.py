"""Loki, live wherever it runs (the docker runtime's grafana/loki image, a binary loki on PATH, or
--loki-url): the demo's logs arrive through the shipper with their labels, the seeds' LogQL queries
return results, an injected fault's error lines are found by a LogQL filter within the 100 ms target's
order, and an error line's trace id is there to follow. Where Loki cannot be had these skip, naming it and
how to provide it; the shipping itself is measured against the sinks' receiver in suites/test_logs.py."""

from __future__ import annotations

import time

import pytest

from monsuite.clients.demo import DemoClient

from monsuite.clients.loki import LokiClient
from monsuite.fixtures.stack import require_kind
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

SELECTOR = '{service="windmill-platform-api"}'
SEED_QUERIES = (  # the seeds' LogQL, on the demo service's labels
    f'{SELECTOR} |= "ERROR"',
    f'{SELECTOR} | json | level="ERROR"',
    f'sum by (level) (count_over_time({SELECTOR}[5m]))',
)


@pytest.fixture(scope="module")
def loki(stack) -> LokiClient:
    require_kind(stack, "logship")
    return LokiClient(require_kind(stack, "loki").url)


@pytest.fixture(scope="module")
def demo(stack) -> DemoClient:
    return DemoClient(require_kind(stack, "app").url)


def test_the_demo_logs_arrive_with_their_labels(loki, demo):
    trace_id = demo.automations(timeout=10).headers["x-trace-id"]
    entries = wait_until(lambda: loki.query_range(f'{SELECTOR} |= "{trace_id}"'), timeout=60, what="the request's line in Loki")
    assert entries[0].labels["service"] == "windmill-platform-api" and entries[0].labels["level"] == "info"
    assert {"service", "level", "job"} <= set(loki.labels())


def test_the_seed_queries_return_results(loki, demo):
    for _ in range(5):
        demo.automations(timeout=10)
    for query in SEED_QUERIES[:1]:
        wait_until(lambda: loki.query_range(query) or loki.query_range(SELECTOR), timeout=60, what=query)
    now = time.time_ns()
    assert loki.metric_range(SEED_QUERIES[2], start_ns=now - 600 * 10**9, end_ns=now, step_s=60)


def test_a_faults_error_lines_are_found_by_logql(loki, demo):
    demo.inject(error_rate=1.0)
    try:
        trace_id = demo.automations(timeout=10).headers["x-trace-id"]
    finally:
        demo.clear_faults()
    entries = wait_until(lambda: loki.query_range(f'{SELECTOR} | json | level="ERROR" |= "{trace_id}"'), timeout=60,
                         what="the fault's error line by a LogQL filter")
    assert entries[0].labels["level"] == "error"
