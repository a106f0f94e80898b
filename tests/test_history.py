"""Scenario history: the OpenMetrics text promtool backfills, and the blocks it writes."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from monsuite.alerts.scenarios import load_scenarios
from monsuite.errors import ManifestError
from monsuite.history import History, HistorySeries, backfill, openmetrics
from monsuite.rules.model import Rule

EXECUTIONS = History(120_000, (HistorySeries("executions_total", {"job": "api", "tenant": "a"}, 5.0, 2.0),
                               HistorySeries("queue_depth", {}, 7.0, 0.0)))


def test_openmetrics_spans_the_scaled_duration_up_to_the_end_at_the_scrape_step():
    text = openmetrics([EXECUTIONS], end=1000.0, scale=60, step_seconds=0.5)
    lines = text.splitlines()
    assert lines[0] == "# TYPE executions counter" and lines[-1] == "# EOF"
    counter = [line for line in lines if line.startswith("executions_total")]
    assert len(counter) == 5  # 2 minutes / 60 = 2 s of history, a sample every 0.5 s
    assert counter[0] == 'executions_total{job="api",tenant="a"} 5.0 998.000'
    assert counter[-1] == 'executions_total{job="api",tenant="a"} 9.0 1000.000'  # 2 s at 2/s of wall time
    assert "# TYPE queue_depth gauge" in lines and "queue_depth 7.0 998.000" in lines


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not on PATH (Debian: apt-get install prometheus)")
def test_promtool_writes_a_block_prometheus_can_open(tmp_path):
    written = backfill([EXECUTIONS], tmp_path / "tsdb", end=1_700_000_000.0, scale=1, step_seconds=15)
    assert written == 2 * (120 // 15 + 1)
    blocks = [p for p in (tmp_path / "tsdb").iterdir() if (p / "meta.json").exists()]
    assert blocks, "promtool wrote no block"


def scenarios_file(tmp_path, body: str):
    path = tmp_path / "scenarios.yaml"
    path.write_text(textwrap.dedent(body))
    rules = {"Drop": Rule(file="r.yml", group="g", group_interval_ms=None, expr="up == 0", alert="Drop")}
    return lambda: load_scenarios(path, rules, {"team"}, {"demo"})


def test_history_and_consumes_are_read(tmp_path):
    (scenario,) = scenarios_file(tmp_path, """\
        scenarios:
          - name: drop
            alert: Drop
            fault: {stop: demo}
            receivers: [team]
            consumes: [host.cpu]
            history: {duration: 2h, series: [{name: x_total, labels: {job: api}, rate: 3}]}
        """)()
    assert scenario.consumes == ("host.cpu",)
    assert scenario.history == History(7_200_000, (HistorySeries("x_total", {"job": "api"}, 0.0, 3.0),))


@pytest.mark.parametrize("field, value, message", [
    ("history", "{duration: 2h}", "history"),
    ("history", "{duration: soon, series: [{name: x}]}", "history.duration"),
    ("history", "{duration: 1h, series: [{name: x, rate: -1}]}", "history.series[0].rate"),
    ("history", "{duration: 1h, series: [{name: x, rate: fast}]}", "history.series[0]"),
    ("consumes", "[host.gpu]", "consumes"),
    ("notify_within", "quickly", "not a Prometheus duration"),
])
def test_bad_history_consumes_or_target_name_the_field(tmp_path, field, value, message):
    load = scenarios_file(tmp_path, f"""\
        scenarios:
          - name: drop
            alert: Drop
            fault: {{stop: demo}}
            receivers: [team]
            {field}: {value}
        """)
    with pytest.raises(ManifestError) as error:
        load()
    assert message in str(error.value) and "scenarios.yaml" in str(error.value)
