"""The demo service's health endpoints honour the platform's contract (seeds 003 and 004).

- /live: 200 {"status": "alive"} whenever the process runs, whatever else fails.
- /health: 200 {"status": "healthy"}, 503 "unhealthy" when the service reports itself failing.
- /health/detailed: each dependency's status; "degraded" when one is unhealthy.
- /ready: 200 "ready" when every configured dependency answers, else 503 "not_ready".
"""

from __future__ import annotations

import pytest

from monsuite.fixtures.stack import require
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

DEPENDENCY_COMPONENTS = {"database": "postgres", "redis": "redis"}


def test_live_answers_alive_even_when_health_fails(demo):
    demo.inject(health_failing=True, dependencies_down=["redis", "database"])
    response = demo.get("/live")
    assert response.status_code == 200
    assert response.json()["status"] == "alive"


def test_health_is_healthy_then_unhealthy_under_fault_then_recovers(demo):
    ok = demo.get("/health")
    assert ok.status_code == 200 and ok.json()["status"] == "healthy"
    demo.inject(health_failing=True)
    failing = demo.get("/health")
    assert failing.status_code == 503 and failing.json()["status"] == "unhealthy"
    demo.clear_faults()
    assert demo.get("/health").status_code == 200


@pytest.mark.parametrize("dependency", sorted(DEPENDENCY_COMPONENTS))
def test_ready_turns_false_when_a_dependency_is_down_and_back(stack, demo, dependency):
    require(stack, DEPENDENCY_COMPONENTS[dependency])
    before = demo.get("/ready")
    assert before.status_code == 200, before.text
    assert before.json() == {"status": "ready"}
    detailed = demo.get("/health/detailed").json()
    assert detailed[dependency] == "healthy" and detailed["status"] == "healthy", detailed

    demo.inject(dependencies_down=[dependency])
    down = demo.get("/ready")
    assert down.status_code == 503
    assert down.json()["status"] == "not_ready" and dependency in down.json()["failing"]
    degraded = demo.get("/health/detailed").json()
    assert degraded["status"] == "degraded" and degraded[dependency].startswith("unhealthy")

    demo.clear_faults()
    again = demo.get("/ready")
    assert again.status_code == 200 and again.json() == {"status": "ready"}


def test_the_external_probe_sees_a_failing_health_endpoint(demo, prometheus):
    """An exporter probes /health (blackbox style): Prometheus must see probe_success drop to 0 and come back."""
    probes = prometheus.probes_of(f"{demo.url}/health")
    if not probes:
        pytest.skip(f"the stack's Prometheus probes no {demo.url}/health (a blackbox exporter job with it as a target)")
    selector = f'probe_success{{job="{probes[0].labels.get("job", probes[0].job)}",instance="{probes[0].instance}"}}'

    def probe_success():
        result = prometheus.query(selector)
        return float(result[0]["value"][1]) if result else None

    wait_until(probe_success, timeout=15, what="probe_success == 1 before the fault", accept=lambda v: v == 1.0)
    demo.inject(health_failing=True)
    wait_until(probe_success, timeout=15, what="probe_success == 0 while /health fails", accept=lambda v: v == 0.0)
    demo.clear_faults()
    wait_until(probe_success, timeout=15, what="probe_success == 1 after recovery", accept=lambda v: v == 1.0)
