"""Locust's counters as Prometheus metrics, pushed to a Pushgateway while the test runs."""

from __future__ import annotations

import gevent
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

PERIOD_SECONDS = 2.0


def start_export(environment, pushgateway: str) -> None:
    registry = CollectorRegistry()
    requests = Gauge("locust_requests_total", "Requests Locust has sent", ["method", "name"], registry=registry)
    failures = Gauge("locust_failures_total", "Requests that failed", ["method", "name"], registry=registry)
    users = Gauge("locust_users", "Simulated users", registry=registry)

    def push_forever():
        while True:
            gevent.sleep(PERIOD_SECONDS)
            stats = environment.runner.stats if environment.runner else None
            if stats is None:
                continue
            for entry in stats.entries.values():
                requests.labels(entry.method, entry.name).set(entry.num_requests)
                failures.labels(entry.method, entry.name).set(entry.num_failures)
            users.set(environment.runner.user_count)
            try:
                push_to_gateway(pushgateway, job="locust", registry=registry, timeout=2)
            except OSError:
                continue

    gevent.spawn(push_forever)
