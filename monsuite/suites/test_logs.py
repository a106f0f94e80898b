"""Logs, live: the demo service's JSON lines are shipped (monsuite.logship, as promtail would) to Loki's push
API (the sinks' Loki-compatible receiver where no Loki runs) with their labels; shipping takes under the
seeds' 100 ms from a line written to it received (median; p95 and max reported); an injected fault's
error lines are found by their labels; and the trace id in an error line leads to its trace."""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime

import pytest

from monsuite.clients.demo import DemoClient

from monsuite.fixtures.stack import require_kind
from monsuite.logship.canary import run_canary, sink_reader
from monsuite.sinks.client import SinkClient
from monsuite.trace_coverage import exporting
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

SERVICE = "windmill-platform-api"
LINES = 200
TARGET_MS = 100  # the seeds: log processing < 100 ms


@pytest.fixture(scope="module")
def receiver(stack) -> SinkClient:
    require_kind(stack, "logship")
    if stack.url("loki"):
        pytest.skip("logs go to Loki here: suites/test_loki.py checks them")
    return SinkClient(require_kind(stack, "sink").url)


@pytest.fixture(scope="module")
def demo(stack) -> DemoClient:
    return DemoClient(require_kind(stack, "app").url)


def _written_at(line: dict) -> float:
    return datetime.fromisoformat(json.loads(line["line"])["timestamp"]).timestamp()


def _shipped(receiver: SinkClient, trace_ids: list[str], since_id: int) -> list[dict]:
    wanted = set(trace_ids)

    def arrived():
        lines = [line for line in receiver.log_lines(since_id=since_id, service=SERVICE)
                 if json.loads(line["line"]).get("trace_id") in wanted]
        return lines if len(lines) >= len(wanted) else None

    return wait_until(arrived, timeout=30, interval=0.2, what=f"{len(wanted)} log lines at the push receiver")


def test_lines_arrive_labelled_and_within_100ms(demo, receiver, record_measurement):
    since = receiver.last_log_line_id()
    trace_ids = []
    for _ in range(LINES):
        trace_ids.append(demo.automations(timeout=10).headers["x-trace-id"])
        time.sleep(0.005)  # a steady stream, as a service writes it: not one burst
    lines = _shipped(receiver, trace_ids, since)
    assert all(line["labels"]["service"] == SERVICE and line["labels"]["level"] == "info" for line in lines)
    assert all(line["labels"].get("job") == "windmill-platform-api" for line in lines)
    latencies = sorted((line["received_at"] - _written_at(line)) * 1000 for line in lines)
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]
    for name, value in (("log_ship_p50_ms", p50), ("log_ship_p95_ms", p95), ("log_ship_max_ms", latencies[-1])):
        record_measurement(name, round(value, 1))
    assert p50 < TARGET_MS, f"written -> received median {p50:.0f} ms (p95 {p95:.0f}, max {latencies[-1]:.0f}) >= {TARGET_MS} ms"


def test_a_faults_error_lines_are_found_and_lead_to_their_trace(stack, demo, receiver):
    since = receiver.last_log_line_id()
    demo.inject(error_rate=1.0)
    try:
        failed = [demo.automations(timeout=10) for _ in range(5)]
    finally:
        demo.clear_faults()
    assert all(r.status_code == 500 for r in failed)
    trace_ids = [r.headers["x-trace-id"] for r in failed]
    errors = wait_until(lambda: receiver.log_lines(since_id=since, service=SERVICE, level="error"),
                        accept=lambda lines: {json.loads(line["line"])["trace_id"] for line in lines} >= set(trace_ids),
                        timeout=30, what="the fault's error lines, by their level label")
    record = json.loads(errors[-1]["line"])
    assert record["status"] == 500 and record["level"] == "ERROR"
    if stack.url("jaeger") or not exporting(demo.url):
        return  # traces go elsewhere (suites/test_jaeger.py follows the id there)
    spans = wait_until(lambda: receiver.spans(trace_id=record["trace_id"]), timeout=30, what="the error line's trace")
    server = next(s for s in spans if s["kind"] == "server")
    assert server["status"] == "error" and server["attributes"]["http.response.status_code"] == 500


def test_the_log_canary_loses_nothing(receiver, record_measurement):
    report = run_canary(f"{receiver.url}/loki/api/v1/push", sink_reader(receiver), lines=200)
    for key, value in report.to_dict().items():
        record_measurement(f"log_canary_{key}", value)
    assert report.missing == [] and report.duplicates == [], report.to_dict()
    assert report.latency_ms["p50"] < TARGET_MS, report.to_dict()
