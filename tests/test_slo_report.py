"""`monsuite slo report` on a known 31-day history in a real Prometheus: SLI, error budget and burn rates
equal the values computed from the injected data (to 1e-6), for Sloth and OpenSLO (ratio and threshold)
specs; the files are written, the HTML shows its plots in headless Chromium, and exit codes behave."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monsuite.browser import chromium, render
from monsuite.cli import main
from monsuite.slo.burn import PAIRS
from monsuite.timescale import parse_ms
from monsuite.slo.invariants import report_problems
from tests.slo_history import ERROR_RATIO, INCIDENT_DAY, INCIDENT_HOURS, HistoryPrometheus

pytestmark = [pytest.mark.live, pytest.mark.slow]

DAY = 86400
SLOTH = """
version: prometheus/v1
service: demo
slos:
  - name: availability
    objective: 99.9
    description: requests answered without a server error
    sli:
      events:
        error_query: sum(rate(demo_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(demo_requests_total[{{.window}}]))
    alerting:
      name: DemoAvailabilityBurn
"""
OPENSLO = """
apiVersion: openslo/v1
kind: SLO
metadata: {name: strict-availability}
spec:
  service: demo
  indicator:
    metadata: {name: good-requests}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'demo_requests_total{code="200"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'demo_requests_total'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.9996}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: latency}
spec:
  service: demo
  indicator:
    metadata: {name: p95-under-500ms}
    spec:
      thresholdMetric:
        metricSource: {type: Prometheus, spec: {query: demo_latency_p95_seconds}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 0.5, target: 0.99, timeSliceWindow: 1m}]
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    prometheus = HistoryPrometheus(tmp_path_factory.mktemp("slo-history"))
    yield prometheus
    prometheus.stop()


@pytest.fixture(scope="module")
def report(history, tmp_path_factory):
    directory = tmp_path_factory.mktemp("slo-report")
    (directory / "sloth.yaml").write_text(SLOTH)
    (directory / "openslo.yaml").write_text(OPENSLO)
    at = history.end + 30
    status = main(["slo", "report", "--spec", str(directory / "sloth.yaml"), str(directory / "openslo.yaml"),
                   "--prometheus-url", history.url, "--at", str(at), "--out", str(directory / "out")])
    data = json.loads((directory / "out" / "report.json").read_text())
    return status, {s["key"]: s for s in data["slos"]}, directory / "out", at


def test_ratio_slis_budgets_and_burn_rates_equal_the_injected_data(history, report):
    status, slos, _, at = report
    expected_ratio = history.history.error_ratio(at, 30 * DAY)
    for key, objective in (("demo/availability", 0.999), ("demo/strict-availability", 0.9996)):
        slo = slos[key]
        budget = 1 - objective
        assert slo["sli"] == pytest.approx(1 - expected_ratio, abs=1e-6)
        assert slo["spent_ratio"] == pytest.approx(expected_ratio / budget, abs=1e-6)
        assert slo["budget_minutes"] == pytest.approx(budget * 30 * 24 * 60, abs=1e-6)
        assert slo["remaining_minutes"] == pytest.approx(budget * 30 * 24 * 60 * (1 - expected_ratio / budget), abs=1e-4)
        for pair, burn in zip(PAIRS, slo["burn_rates"]):
            assert burn["factor"] == pytest.approx(pair.factor(30 * DAY * 1000))
            long_ratio = history.history.error_ratio(at, parse_ms(pair.long) / 1000)
            short_ratio = history.history.error_ratio(at, parse_ms(pair.short) / 1000)
            assert burn["long_burn"] == pytest.approx(long_ratio / budget, abs=1e-6)
            assert burn["short_burn"] == pytest.approx(short_ratio / budget, abs=1e-6)
    assert slos["demo/availability"]["verdict"] == "met"
    assert slos["demo/strict-availability"]["verdict"] == "violated"  # the incident spent more than its budget
    assert status == 1


def test_a_threshold_sli_counts_the_slices_that_miss(history, report):
    _, slos, _, at = report
    missed = history.history.slice_miss_ratio(at, 30 * DAY, 0.5)
    assert missed > 0
    assert slos["demo/latency"]["sli"] == pytest.approx(1 - missed, abs=1e-6)
    assert slos["demo/latency"]["verdict"] == "met"


def test_the_budget_series_burns_down_at_the_incident(report):
    _, slos, _, _ = report
    remaining = [value for _, value in slos["demo/strict-availability"]["series"]["remaining"]]
    drops = [a - b for a, b in zip(remaining, remaining[1:])]
    assert max(drops) > 5 * sorted(drops)[len(drops) // 2], "the incident's step must burn far more than a usual one"
    assert remaining[-1] == pytest.approx(slos["demo/strict-availability"]["remaining_ratio"], abs=0.05)


def test_the_report_files_and_the_html_plots(report):
    _, slos, out, _ = report
    junit = (out / "junit.xml").read_text()
    assert junit.count("<testcase") == 3 and junit.count("<failure") == 1
    summary = (out / "summary.md").read_text()
    assert "| demo/strict-availability |" in summary and "violated" in summary
    html = (out / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 3
    if chromium() is None:
        pytest.skip("Chromium not installed (Debian package chromium): the HTML was not rendered")
    rendered = render(f"file://{out / 'report.html'}", screenshot=out / "report.png")
    assert rendered.dom.count("<img") == 3 and "demo/latency" in rendered.dom
    assert rendered.screenshot is not None and rendered.screenshot.stat().st_size > 10_000
    artefacts = Path(__file__).resolve().parent.parent / "reports"
    artefacts.mkdir(exist_ok=True)
    shutil.copyfile(rendered.screenshot, artefacts / "slo-report.png")


def test_a_baseline_lists_what_got_worse(history, report, tmp_path):
    _, slos, out, at = report
    baseline = json.loads((out / "report.json").read_text())
    for slo in baseline["slos"]:
        slo["verdict"], slo["sli"], slo["remaining_minutes"] = "met", 1.0, 1e9
    (tmp_path / "baseline.json").write_text(json.dumps(baseline))
    (tmp_path / "s.yaml").write_text(SLOTH)
    main(["slo", "report", "--spec", str(tmp_path / "s.yaml"), "--prometheus-url", history.url, "--at", str(at),
          "--out", str(tmp_path / "out"), "--baseline", str(tmp_path / "baseline.json")])
    worse = json.loads((tmp_path / "out" / "report.json").read_text())["worse_than_baseline"]
    assert any(line.startswith("demo/availability: SLI") for line in worse)
    assert any("budget left" in line for line in worse)


def test_an_unreachable_prometheus_is_bad_input(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(SLOTH)
    assert main(["slo", "report", "--spec", str(tmp_path / "s.yaml"), "--prometheus-url", "http://127.0.0.1:1",
                 "--out", str(tmp_path / "out")]) == 2
    assert "127.0.0.1:1" in capsys.readouterr().err


def test_the_report_never_contradicts_itself(report):
    _, slos, out, _ = report
    assert report_problems(json.loads((out / "report.json").read_text())) == []
    for slo in slos.values():
        if slo["burn_rates"]:
            assert [b["factor"] for b in slo["burn_rates"]] == [14.4, 6.0, 3.0, 1.0]  # the Workbook's, 30-day period
            assert slo["period"] == "30d"
    html = (out / "report.html").read_text()
    assert "Burn-rate factors assume the SLO's period of 30d" in html and "<td>14.4</td>" in html


def test_an_excluded_incident_leaves_the_sli_and_is_costed_apart(history, tmp_path):
    """The incident as a maintenance window: the SLI is the error ratio outside it, and what the slices it
    touched would have spent is reported apart; a window pair touching an excluded interval does not alert."""
    at = history.end + 30
    incident_start = history.history.times[0] + INCIDENT_DAY * DAY
    incident_end = incident_start + INCIDENT_HOURS * 3600
    (tmp_path / "s.yaml").write_text(OPENSLO)
    recent = f"{at - 7200:.0f}..{at - 5400:.0f}"  # before the 1 h page window, inside the longer ones
    status = main(["slo", "report", "--spec", str(tmp_path / "s.yaml"), "--prometheus-url", history.url, "--at", str(at),
                   "--exclude", f"{incident_start:.0f}..{incident_end:.0f}", "--exclude", recent, "--out", str(tmp_path / "out")])
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report_problems(data) == []
    strict = next(s for s in data["slos"] if s["key"] == "demo/strict-availability")
    assert strict["sli"] == pytest.approx(1 - ERROR_RATIO, abs=1e-6)
    slice_s = 30 * DAY / 60
    ends = [at - 30 * DAY + slice_s * k for k in range(1, 61)]
    touched = [t for t in ends if t - slice_s < incident_end and incident_start < t or t - slice_s < at - 5400 and at - 7200 < t]
    expected = sum(history.history.error_ratio(t, slice_s) * slice_s / 60 for t in touched)
    assert strict["excluded"]["slices_excluded"] == len(touched) and strict["excluded"]["slices_kept"] == 60 - len(touched)
    assert strict["excluded"]["excluded_budget_minutes"] == pytest.approx(expected, rel=1e-6)
    pages = {(b["long"], b["short"]): b for b in strict["burn_rates"]}
    assert not pages[("1h", "5m")]["excluded"]
    assert all(pages[window]["excluded"] and not pages[window]["alerting"] for window in (("6h", "30m"), ("1d", "2h"), ("3d", "6h")))
    assert "reads excluded time (1 maintenance window): not alerting" in pages[("6h", "30m")]["notes"][-1]
    assert status == 0  # met once the incident is excluded


@pytest.mark.parametrize("given, says", [("x..y", "neither an ISO 8601 time nor a unix time"), ("5..1", "end must come after"),
                                         ("2026-12-01T02:00", "give FROM..TO"), ("nan..1", "not a plausible unix time")])
def test_a_bad_exclusion_is_one_line_and_exit_2(tmp_path, capsys, given, says):
    (tmp_path / "s.yaml").write_text(SLOTH)
    assert main(["slo", "report", "--spec", str(tmp_path / "s.yaml"), "--prometheus-url", "http://127.0.0.1:1",
                 "--exclude", given, "--out", str(tmp_path / "out")]) == 2
    assert says in capsys.readouterr().err and not (tmp_path / "out").exists()
