"""The flakiness summary: pass rates, stage distributions and the failures of each repetition."""

from __future__ import annotations

from monsuite.alerts.flakiness import Repetitions, distribution
from monsuite.alerts.flakiness_html import write_html


def run(index, status, fault_to_delivered, problems=()):
    return {"repetition": index, "seconds": 40.0 + index, "allowances": {"source": "canary", "why": "x"},
            "scenarios": [
                {"scenario": "api-down", "alert": "APIDown", "status": status, "problems": list(problems),
                 "stages_ms": {"fault_to_delivered": fault_to_delivered, "firing_to_delivered": 170.0}},
                {"scenario": "redis-down", "alert": "RedisDown", "status": "skipped", "problems": [],
                 "stages_ms": {}},
            ]}


def test_pass_rates_and_distributions_across_runs(tmp_path):
    repetitions = Repetitions("default", "ci", "one stack", "")
    repetitions.runs = [run(1, "passed", 1500.0), run(2, "failed", 2600.0, ["late"]), run(3, "passed", 1400.0)]
    summary = repetitions.summary()
    api = summary["scenarios"]["api-down"]
    assert (api["runs"], api["passed"], api["pass_rate"]) == (3, 2, 0.6667)
    assert api["failures"] == [{"run": 2, "problems": ["late"]}]
    assert api["stages"]["fault_to_delivered"]["max"] == 2600.0 and api["stages"]["fault_to_delivered"]["p50"] == 1500.0
    assert summary["scenarios"]["redis-down"]["pass_rate"] is None  # skipped every time: no rate to claim
    assert not summary["all_passed"]
    page = write_html(summary, tmp_path / "flakiness.html").read_text()
    assert "api-down" in page and "2/3" in page and "run 2: late" in page and "data:image/png;base64," in page


def test_all_passed_needs_at_least_one_run():
    assert not Repetitions("default", "ci", "one stack", "").summary()["all_passed"]


def test_distribution_uses_observed_values():
    values = [float(v) for v in range(1, 21)]
    d = distribution(values)
    assert (d["p50"], d["p95"], d["max"], d["n"]) == (10.5, 19.0, 20.0, 20)
    assert distribution([]) == {}
