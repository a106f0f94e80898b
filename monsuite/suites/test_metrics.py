"""Every metric and label the stack's rules and dashboards refer to exists in Prometheus and is used as
its type allows; the expositions of the stack's own services pass `promtool check metrics`."""

from __future__ import annotations

import json

import pytest

from monsuite.metrics_check import check, lint_targets

pytestmark = pytest.mark.live
OWN_SERVICE_KINDS = ("app", "traffic", "sink")  # the services monsuite itself runs (each exposes /metrics)


def test_every_metric_and_label_referenced_by_rules_and_dashboards_exists(stack, prometheus):
    dashboards = sorted((stack.manifest.directory / "dashboards").glob("*.json"))
    if not stack.rule_files() and not dashboards:
        pytest.skip(f"{stack.manifest.path}: no rule_files and no dashboards/*.json to check")
    from monsuite.alerts.scenarios import pushed_metrics

    report = check(stack.rule_files(), dashboards, prometheus.url, lint=False, simulated=pushed_metrics(stack.manifest))
    assert report.references > 0, "the rules and dashboards were read but no metric reference was found in them"
    assert report.ok(), "\n".join(report.lines())


def test_the_services_own_expositions_are_clean(stack, prometheus):
    own_services = [h for h in stack.handles.values() if h.kind in OWN_SERVICE_KINDS and h.runtime != "external"]
    own_jobs = {job for h in own_services for job in prometheus.jobs_scraping(h.url)}
    if not own_jobs:
        pytest.skip(f"the stack's Prometheus scrapes none of its own services ({', '.join(h.name for h in own_services) or 'none started'})")
    lint = lint_targets(prometheus.url)
    own = {target: problems for target, problems in lint.items() if target.split()[0] in own_jobs}
    assert own, f"none of the jobs {sorted(own_jobs)} was linted"
    assert not any(own.values()), own


def test_a_dashboard_with_a_typo_and_a_misused_gauge_is_reported(prometheus, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"title": "broken", "panels": [
        {"id": 1, "title": "typo", "type": "timeseries", "targets": [{"refId": "A", "expr": "rate(http_request_total[$__rate_interval])"}]},
        {"id": 2, "title": "gauge", "type": "timeseries", "targets": [{"refId": "A", "expr": "rate(windmill_queue_depth[5m])"}]},
        {"id": 3, "title": "quantile", "type": "timeseries",
         "targets": [{"refId": "A", "expr": "histogram_quantile(0.9, rate(http_requests_total[5m]))"}]},
    ]}))
    findings = "\n".join(check([], [path], prometheus.url, lint=False).findings)
    assert "metric http_request_total has no series" in findings
    assert "rate() on windmill_queue_depth, a gauge" in findings
    assert "histogram_quantile() on http_requests_total, not a histogram's _bucket" in findings
