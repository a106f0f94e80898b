"""The demo service's metrics, named as the platform's rules and dashboards use them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.process_collector import ProcessCollector

# The platform's buckets (0.1 ... 10 s) plus finer ones so that fast CI traffic has a shape.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
EXECUTION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300)


class ServiceMetrics:
    def __init__(self, version: str):
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        Info("windmill_platform_system", "System information", registry=r).info({"version": version, "service": "windmill-platform-api"})
        self.requests = Counter("http_requests", "HTTP requests handled", ["method", "endpoint", "status"], registry=r)
        self.request_duration = Histogram("http_request_duration_seconds", "HTTP request duration", ["method", "endpoint"],
                                          buckets=LATENCY_BUCKETS, registry=r)
        self.in_progress = Gauge("http_requests_in_progress", "HTTP requests being handled", registry=r)
        self.executions = Counter("windmill_executions", "Automation executions", ["status", "tenant_id"], registry=r)
        self.execution_duration = Histogram("windmill_execution_duration_seconds", "Automation execution duration",
                                            ["tenant_id"], buckets=EXECUTION_BUCKETS, registry=r)
        self.queue_depth = Gauge("windmill_queue_depth", "Items waiting in a queue", ["queue_name"], registry=r)
        self.active_workers = Gauge("windmill_active_workers", "Workers currently healthy", registry=r)
        self.db_connections = Gauge("windmill_db_connections", "Database connections held by the service", ["state"], registry=r)
        self.dependency_up = Gauge("windmill_dependency_up", "1 if a dependency answered its last check", ["dependency"], registry=r)
        self.memory_limit = Gauge("windmill_memory_limit_bytes", "Memory the service may use", registry=r)
        self.errors = Counter("windmill_errors", "Errors by type and component", ["error_type", "component"], registry=r)
        self._request_children: dict[tuple[str, str, str], tuple] = {}

    def count_request(self, method: str, endpoint: str, status: str, seconds: float) -> None:
        """One handled request: its counter and latency histogram children, looked up once per label set."""
        children = self._request_children.get((method, endpoint, status))
        if children is None:
            children = (self.requests.labels(method, endpoint, status), self.request_duration.labels(method, endpoint))
            self._request_children[(method, endpoint, status)] = children
        children[0].inc()
        children[1].observe(seconds)
