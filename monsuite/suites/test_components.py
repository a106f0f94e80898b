"""Each declared component answers its own health API. Grafana, Loki and Jaeger run wherever they can
be provided (an image with a registry, a binary on PATH, or an external URL) and skip, with the
reason and how to provide them, where they cannot."""

from __future__ import annotations

import pytest

from monsuite.clients.access import session_for

pytestmark = pytest.mark.live


def get(url: str):
    """With the endpoint's own credentials and CA when it is an external one that needs them."""
    return session_for(url).get(url, timeout=5)


@pytest.mark.component("grafana")
def test_grafana_health_reports_its_database_ok(stack):
    response = get(f"{stack.url('grafana')}/api/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.component("grafana", "prometheus")
def test_grafana_has_the_provisioned_prometheus_datasource(stack):
    response = get(f"{stack.url('grafana')}/api/datasources/uid/prometheus")
    assert response.status_code == 200, response.text
    assert response.json()["url"] == stack.url("prometheus")


@pytest.mark.component("loki")
def test_loki_is_ready(stack):
    response = get(f"{stack.url('loki')}/ready")
    assert response.status_code == 200 and response.text.strip() == "ready"


@pytest.mark.component("jaeger")
def test_jaeger_query_api_answers(stack):
    response = get(f"{stack.url('jaeger')}/api/services")
    assert response.status_code == 200
    assert "data" in response.json()


@pytest.mark.component("alertmanager")
def test_alertmanager_answers_with_its_config_and_a_settled_cluster(stack):
    status = get(f"{stack.url('alertmanager')}/api/v2/status").json()
    assert "receivers:" in status["config"]["original"]
    # a single node, or a cluster member that has settled (an HA pair: see stacks/ha-alertmanager)
    assert status["cluster"]["status"] in ("disabled", "ready"), status["cluster"]


@pytest.mark.component("pushgateway", "prometheus")
def test_a_series_pushed_to_the_pushgateway_reaches_prometheus(stack, prometheus):
    from monsuite.waits import wait_until

    body = "monsuite_pushgateway_probe 42\n"
    session = session_for(stack.url("pushgateway"))
    session.put(f"{stack.url('pushgateway')}/metrics/job/monsuite-probe", data=body, timeout=5).raise_for_status()
    try:
        result = wait_until(lambda: prometheus.query('monsuite_pushgateway_probe{job="monsuite-probe"}'),
                            timeout=15, what="the pushed series in Prometheus")
        assert float(result[0]["value"][1]) == 42
    finally:
        session.delete(f"{stack.url('pushgateway')}/metrics/job/monsuite-probe", timeout=5)
