"""Panels whose queries belong to another datasource are reported and never sent to Prometheus; Grafana's
built-in and auto interval variables are expanded as Grafana expands them."""

from __future__ import annotations

import json

import pytest

from monsuite.dashboards.datasources import Datasources
from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.runner import run_dashboard
from monsuite.dashboards.variables import VariableResolver, auto_interval_ms, builtins, expand
from tests.stub_http import StubServer

VARIABLES = [{"name": "prom", "type": "datasource", "query": "prometheus"},
             {"name": "logs", "type": "datasource", "query": "loki"}]


@pytest.mark.parametrize("reference, kind", [
    (None, "prometheus"), ("Prometheus", "prometheus"), ({"type": "prometheus", "uid": "abc"}, "prometheus"),
    ({"type": "loki", "uid": "xyz"}, "loki"), ({"type": "tempo"}, "tempo"), ("$prom", "prometheus"),
    ("${prom}", "prometheus"), ({"uid": "${logs}"}, "loki"), ("$logs", "loki"), ("$nosuch", "unresolved"),
    ("-- Mixed --", "mixed"), ({"type": "datasource", "uid": "-- Dashboard --"}, "dashboard"),
    ({"type": "datasource", "uid": "grafana"}, "grafana"), ("Elastic-prod", "unresolved"), ("my-uid", "prometheus"),
])
def test_a_datasource_reference_is_classified_as_grafana_would(reference, kind):
    assert Datasources(VARIABLES, {"my-uid"}).of(reference).kind == kind


def test_a_query_names_its_own_datasource_in_a_mixed_panel():
    sources = Datasources(VARIABLES)
    assert sources.of_query("-- Mixed --", {"type": "loki", "uid": "l"}).kind == "loki"
    assert sources.of_query("-- Mixed --", None).kind == "prometheus"
    assert sources.of_query({"type": "loki", "uid": "l"}, None).kind == "loki"


ONE_SAMPLE = {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"]]}]}}


class RecordingPrometheus(StubServer):
    """Prometheus' query API answering one sample to every query, recording the queries it is sent."""

    def __init__(self):
        super().__init__({"/api/v1/query_range": (200, ONE_SAMPLE), "/api/v1/query": (200, ONE_SAMPLE)})

    @property
    def queries(self) -> list[str]:
        return [params.get("query", "") for path, params in self.requests if path.startswith("/api/v1/query")]


@pytest.fixture
def prometheus():
    server = RecordingPrometheus()
    yield server
    server.close()


def test_other_datasources_are_reported_and_never_sent(prometheus, tmp_path):
    model = {"title": "mixed sources", "templating": {"list": VARIABLES}, "panels": [
        {"id": 1, "title": "requests", "type": "timeseries", "datasource": "$prom",
         "targets": [{"refId": "A", "expr": "rate(http_requests_total[$__rate_interval])"}]},
        {"id": 2, "title": "logs", "type": "logs", "datasource": {"type": "loki", "uid": "L"},
         "targets": [{"refId": "A", "expr": '{app="demo"} |= "error"'}]},
        {"id": 3, "title": "both", "type": "timeseries", "datasource": "-- Mixed --",
         "targets": [{"refId": "A", "expr": "up"},
                     {"refId": "B", "expr": 'count_over_time({app="demo"}[1m])', "datasource": "${logs}"}]},
        {"id": 4, "title": "traces", "type": "traces", "datasource": {"type": "tempo", "uid": "T"},
         "targets": [{"refId": "A", "query": "abc"}]},
        {"id": 5, "title": "again", "type": "stat", "datasource": {"type": "datasource", "uid": "-- Dashboard --"},
         "targets": [{"refId": "A", "panelId": 1}]},
    ]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(model))
    result = run_dashboard(load_dashboard(path), prometheus.url, scrape_ms=1000)
    assert len(prometheus.queries) == 2 and "up" in prometheus.queries, prometheus.queries
    assert any(q.startswith("rate(http_requests_total[") and "$" not in q for q in prometheus.queries)
    notes = {p.id: p.note for p in result.panels}
    assert notes[2] == "1 loki query not run against Prometheus"
    assert notes[3] == "1 loki query not run against Prometheus"
    assert notes[4] == "1 tempo query not run against Prometheus"
    assert notes[5] == "1 dashboard query not run against Prometheus"
    assert result.problems == [] and result.ok


def test_auto_and_builtin_variables_expand(prometheus):
    hour = 3600_000
    values = builtins(hour, 15_000, 60_000, 1_700_000_000, 1_700_003_600, "Overview")
    variables = [{"name": "step", "type": "interval", "query": "1m,5m,auto", "auto": True, "auto_count": 10,
                  "auto_min": "30s", "current": {"text": "auto", "value": "$__auto_interval_step"}},
                 {"name": "window", "type": "interval", "query": "1m,5m,10m", "current": {"value": "5m"}},
                 {"name": "plain", "type": "interval", "query": "2m,3m"}]
    resolved, notes = VariableResolver(prometheus.url, 0, 1).resolve(variables, values)
    assert notes == []
    assert auto_interval_ms(hour) == 120_000  # 1 h / 30 steps
    text = ("avg_over_time(x[$__auto]) $step $__auto_interval_step $window $plain $__dashboard "
            "${__from:date:seconds} ${__to:date} $__range")
    assert expand(text, resolved) == ("avg_over_time(x[2m]) 5m 5m 5m 2m Overview "
                                      "1700000000 2023-11-14T23:13:20.000Z 3600s")
    assert prometheus.queries == []
