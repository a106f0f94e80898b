"""Trace coverage, measured: send requests to a traced service, and count how many of their traces reached
the trace backend: Jaeger's query API where Jaeger runs, else the OTLP receiver (the sinks').

A last request whose traceparent says "sampled" is always kept (the sampler respects its parent); its span
is exported after all earlier ones, so once it arrived, every span of the batch that was going to arrive
has: no fixed wait, and a low sampling ratio is measured as exactly as a full one.
"""

from __future__ import annotations

import secrets


from monsuite.clients.demo import DemoClient
from monsuite.clients.http import ServiceError
from monsuite.sinks.client import SinkClient
from monsuite.waits import wait_until


def exporting(service: str) -> bool:
    """Whether the demo service exports its traces (it was started with --otlp-endpoint)."""
    try:
        return bool(DemoClient(service).tracing().get("exporting"))
    except ServiceError:
        return False


def send(service: str, count: int, path: str = "/api/v1/executions") -> list[str]:
    """POST `count` requests; the trace id of each, from its x-trace-id header."""
    demo = DemoClient(service, timeout=10)
    return [demo.post(path, json={"tenant_id": "acme"}).headers["x-trace-id"] for _ in range(count)]


def _closing_request(service: str) -> str:
    """A last request forced to be sampled; its trace id."""
    marker = secrets.token_hex(16)
    DemoClient(service, timeout=10).automations(
        headers={"traceparent": f"00-{marker}-{secrets.token_hex(8)}-01"}).raise_for_status()
    return marker


def traced(service: str, receiver: SinkClient, trace_ids: list[str], since_id: int, timeout: float = 60) -> set[str]:
    """Which of these traces reached the receiver (their server span)."""
    marker = _closing_request(service)
    wait_until(lambda: receiver.spans(trace_id=marker), timeout=timeout, interval=0.2,
               what=f"the closing trace {marker} at the OTLP receiver")
    return {s["trace_id"] for s in receiver.spans(since_id=since_id) if s["kind"] == "server"} & set(trace_ids)


def coverage(service: str, receiver: SinkClient, count: int) -> tuple[int, int]:
    """(traces found, requests sent)."""
    since = receiver.span_summary()["last_id"]
    trace_ids = send(service, count)
    return len(traced(service, receiver, trace_ids, since)), count


def coverage_in_jaeger(service: str, jaeger, count: int, timeout: float = 60) -> tuple[int, int]:
    """(traces Jaeger's query API returns, requests sent)."""
    trace_ids = send(service, count)
    marker = _closing_request(service)
    wait_until(lambda: jaeger.trace(marker), timeout=timeout, interval=0.2, what=f"the closing trace {marker} in Jaeger")
    return sum(1 for trace_id in trace_ids if jaeger.trace(trace_id)), count
