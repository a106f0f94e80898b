"""The demo service as a real process: metrics, health, faults, trace ids, JSON logs."""

import json

import requests
from prometheus_client.parser import text_string_to_metric_families

SEED_METRICS = {
    "http_requests": "counter", "http_request_duration_seconds": "histogram", "http_requests_in_progress": "gauge",
    "windmill_executions": "counter", "windmill_queue_depth": "gauge", "windmill_active_workers": "gauge",
    "windmill_db_connections": "gauge", "windmill_memory_limit_bytes": "gauge", "process_resident_memory_bytes": "gauge",
}


def families(url):
    return {f.name: f for f in text_string_to_metric_families(requests.get(f"{url}/metrics", timeout=5).text)}


def test_metrics_carry_the_names_and_labels_the_rules_use(demo_server):
    requests.post(f"{demo_server.url}/api/v1/executions", json={"tenant_id": "acme"}, timeout=5)
    found = families(demo_server.url)
    for name, kind in SEED_METRICS.items():
        assert name in found, f"{name} missing"
        assert found[name].type == kind, f"{name} is a {found[name].type}"
    request_samples = [s for s in found["http_requests"].samples if s.name == "http_requests_total"]
    assert {"method", "endpoint", "status"} <= set(request_samples[0].labels)
    assert any(s.labels["endpoint"] == "/api/v1/executions" and s.labels["status"] == "201" for s in request_samples)
    executions = [s for s in found["windmill_executions"].samples if s.name == "windmill_executions_total"]
    assert executions[0].labels == {"status": "success", "tenant_id": "acme"}


def test_injected_errors_and_execution_failures_show_in_the_metrics(demo_server):
    requests.patch(f"{demo_server.url}/faults", json={"error_rate": 1.0}, timeout=5).raise_for_status()
    assert requests.get(f"{demo_server.url}/api/v1/automations", timeout=5).status_code == 500
    requests.patch(f"{demo_server.url}/faults", json={"error_rate": 0, "execution_failure_rate": 1.0}, timeout=5)
    assert requests.post(f"{demo_server.url}/api/v1/executions", json={}, timeout=5).json()["status"] == "failed"
    samples = [s for f in families(demo_server.url).values() for s in f.samples]
    assert any(s.name == "http_requests_total" and s.labels["status"] == "500" for s in samples)
    assert any(s.name == "windmill_executions_total" and s.labels["status"] == "failed" for s in samples)


def test_worker_loss_makes_worker_scrapes_fail(demo_server):
    assert requests.get(f"{demo_server.url}/workers/2/metrics", timeout=5).status_code == 200
    requests.patch(f"{demo_server.url}/faults", json={"workers_lost": 2}, timeout=5).raise_for_status()
    codes = [requests.get(f"{demo_server.url}/workers/{i}/metrics", timeout=5).status_code for i in range(3)]
    assert codes == [200, 503, 503]
    gauge = families(demo_server.url)["windmill_active_workers"].samples[0].value
    assert gauge == 1


def test_a_refused_fault_is_a_400_with_the_reason(demo_server):
    response = requests.patch(f"{demo_server.url}/faults", json={"error_rate": 3}, timeout=5)
    assert response.status_code == 400 and "between 0 and 1" in response.json()["error"]


def test_without_configured_dependencies_ready_is_ready(demo_server):
    body = requests.get(f"{demo_server.url}/health/detailed", timeout=5).json()
    assert body["database"] == "not configured" and body["redis"] == "not configured"
    assert requests.get(f"{demo_server.url}/ready", timeout=5).status_code == 200


def test_the_trace_id_of_a_traceparent_is_kept_in_the_answer_and_the_json_log(demo_server):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = requests.get(f"{demo_server.url}/api/v1/automations", timeout=5,
                            headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert response.headers["x-trace-id"] == trace_id
    output = demo_server.stop()
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    request_logs = [e for e in entries if e.get("path") == "/api/v1/automations"]
    assert request_logs and request_logs[0]["trace_id"] == trace_id
    assert {"timestamp", "level", "service", "message", "status", "duration_ms"} <= set(request_logs[0])
