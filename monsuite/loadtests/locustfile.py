"""The Windmill platform's traffic for Locust: reads, executions across tenants, health checks.

    locust -f loadtests/locustfile.py --host http://127.0.0.1:8000            # Locust's web UI
    monsuite load run baseline                                                 # headless, with thresholds

MONSUITE_SHAPE=ramp|step|spike|soak picks a load shape (loadtests/shapes.py); MONSUITE_PUSHGATEWAY=URL
pushes Locust's own counters to a Pushgateway every 2 s, so the stack's dashboards show the load.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from locust import FastHttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapes import SHAPES  # noqa: E402
from stats_export import start_export  # noqa: E402

TENANTS = ("acme", "globex", "initech", "umbrella")

if os.environ.get("MONSUITE_SHAPE"):
    ActiveShape = SHAPES[os.environ["MONSUITE_SHAPE"]]  # Locust uses the LoadTestShape it finds here


class PlatformUser(FastHttpUser):
    wait_time = between(0.01, 0.05)

    @task(5)
    def list_automations(self):
        self.client.get("/api/v1/automations")

    @task(3)
    def run_execution(self):
        self.client.post("/api/v1/executions", json={"tenant_id": random.choice(TENANTS)})

    @task(1)
    def health(self):
        self.client.get("/health")


@events.init.add_listener
def _export_stats(environment, **kwargs):
    if os.environ.get("MONSUITE_PUSHGATEWAY"):
        start_export(environment, os.environ["MONSUITE_PUSHGATEWAY"])
