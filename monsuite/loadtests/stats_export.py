"""Locust's counters as Prometheus metrics, pushed to a Pushgateway while the test runs."""

from __future__ import annotations

import gevent
from locust.runners import WorkerRunner
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

PERIOD_SECONDS = 2.0


def start_export(environment, pushgateway: str) -> None:
    """On a distributed run only the master pushes: it holds the aggregated statistics, while each
    worker's are reset whenever it reports to the master."""
    if isinstance(environment.runner, WorkerRunner):
        return
    registry = CollectorRegistry()
    requests = Gauge("locust_requests_total", "Requests Locust has sent", ["method", "name"], registry=registry)
    failures = Gauge("locust_failures_total", "Requests that failed", ["method", "name"], registry=registry)
    users = Gauge("locust_users", "Simulated users", registry=registry)

    def push() -> None:
        stats = environment.runner.stats if environment.runner else None
        if stats is None:
            return
        for entry in stats.entries.values():
            requests.labels(entry.method, entry.name).set(entry.num_requests)
            failures.labels(entry.method, entry.name).set(entry.num_failures)
        users.set(environment.runner.user_count)
        try:
            push_to_gateway(pushgateway, job="locust", registry=registry, timeout=2)
        except OSError:
            pass

    def push_forever():
        while True:
            gevent.sleep(PERIOD_SECONDS)
            push()

    gevent.spawn(push_forever)
    # the final numbers too: a distributed master holds them only after the workers' last reports
    environment.events.quitting.add_listener(lambda **kwargs: push())
