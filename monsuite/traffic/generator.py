"""An open-loop request stream: requests are sent on schedule, whatever the answers' latency."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from urllib.parse import urlparse

from prometheus_client import CollectorRegistry, Counter

from monsuite.clients.demo import DemoClient
from monsuite.clients.http import ServiceError

TENANTS = ("acme", "globex", "initech", "umbrella")


@dataclass
class Rates:
    reads_per_second: float = 10.0
    executions_per_second: float = 10.0  # spread over TENANTS
    tenant_rates: dict[str, float] = field(default_factory=dict)  # extra executions/s for named tenants

    def validate(self) -> None:
        if self.reads_per_second < 0 or self.executions_per_second < 0 or any(r < 0 for r in self.tenant_rates.values()):
            raise ValueError("rates must be >= 0")
        if self.total > 500:
            raise ValueError("at most 500 requests/s in total (this is background traffic, not a load test)")

    def with_changes(self, changes: dict) -> "Rates":
        """These rates with some settings changed, validated (the control API's PATCH and scenario faults)."""
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown setting {sorted(unknown)[0]!r}")
        merged = {**asdict(self), **changes}
        rates = Rates(float(merged["reads_per_second"]), float(merged["executions_per_second"]),
                      {str(k): float(v) for k, v in (merged["tenant_rates"] or {}).items()})
        rates.validate()
        return rates

    @property
    def total(self) -> float:
        return self.reads_per_second + self.executions_per_second + sum(self.tenant_rates.values())


class TrafficGenerator:
    def __init__(self, target: str, rates: Rates, *, max_seconds: float, max_requests: int, max_in_flight: int = 128):
        if urlparse(target).hostname != "127.0.0.1":
            raise ValueError("traffic only ever targets 127.0.0.1")
        self.target = target.rstrip("/")
        self.rates = rates
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.max_in_flight = max_in_flight
        self.registry = CollectorRegistry()
        self.sent = Counter("monsuite_traffic_requests", "Requests answered, by endpoint and status",
                            ["endpoint", "status"], registry=self.registry)
        self.dropped = Counter("monsuite_traffic_dropped", "Requests not sent: too many in flight", registry=self.registry)
        self._in_flight = 0
        self._count = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="traffic")

    def update(self, changes: dict) -> Rates:
        self.rates = self.rates.with_changes(changes)
        return self.rates

    def status(self) -> dict:
        return {**asdict(self.rates), "sent": self._count, "in_flight": self._in_flight, "running": not self._stop.is_set()}

    def run(self) -> None:
        """Send until stopped or a bound is reached. Each stream is a Poisson-free fixed schedule."""
        started = time.monotonic()
        next_at: dict[str, float] = {}
        while not self._stop.is_set():
            now = time.monotonic()
            if now - started > self.max_seconds or self._count >= self.max_requests:
                break
            for stream, rate in self._streams():
                if rate <= 0:
                    next_at.pop(stream, None)
                    continue
                due = next_at.setdefault(stream, now)
                while due <= now:
                    self._submit(stream)
                    due += 1.0 / rate
                next_at[stream] = due
            self._stop.wait(0.005)
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _streams(self):
        rates = self.rates
        yield "reads", rates.reads_per_second
        yield "executions", rates.executions_per_second
        for tenant, rate in rates.tenant_rates.items():
            yield f"tenant:{tenant}", rate

    def _submit(self, stream: str) -> None:
        with self._lock:
            if self._in_flight >= self.max_in_flight:
                self.dropped.inc()
                return
            self._in_flight += 1
            self._count += 1
        self._pool.submit(self._send, stream)

    def _send(self, stream: str) -> None:
        service = getattr(self._local, "service", None)
        if service is None:  # one connection pool per sending thread
            service = self._local.service = DemoClient(self.target)
        try:
            if stream == "reads":
                endpoint, response = "/api/v1/automations", service.automations(timeout=30)
            else:
                tenant = stream.split(":", 1)[1] if ":" in stream else random.choice(TENANTS)
                endpoint, response = "/api/v1/executions", service.execute({"tenant_id": tenant}, timeout=30)
            self.sent.labels(endpoint, str(response.status_code)).inc()
        except ServiceError:
            self.sent.labels("error", "connection").inc()
        finally:
            with self._lock:
                self._in_flight -= 1
