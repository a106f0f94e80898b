"""Backtesting alert rules: the rule manager's states from evaluations (offline), and the firing intervals a
backtest finds against a real Prometheus that evaluated the same rule live over the same period (its ALERTS
series), within one evaluation interval."""

import json
import subprocess
import sys
import time

from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from monsuite.backtest.run import alert_rules, run_backtest
from monsuite.backtest.exactness import judge, read_recorded
from monsuite.backtest.states import firings
from monsuite.clients.prometheus import PrometheusClient
from monsuite.ports import free_ports
from monsuite.processes import stop_process
from monsuite.routing.engines import LiveAlertmanager
from monsuite.runtimes.process import spawn
from monsuite.sinks.local import LocalSinks
from monsuite.waits import wait_until

S = ("a", "1"),


def spans(times):
    return [(f.active_at, f.fired_at, f.resolved_at) for f in times]


def test_for_holds_a_pending_alert_and_a_short_condition_never_fires():
    seen = [0, 1, 2, 3, 4, 5, 10, 11, 20, 21, 22, 23]
    assert spans(firings(S, seen, 1, for_s=3, end=30)) == [(0, 3, 6), (20, 23, 24)]


def test_without_for_an_alert_fires_at_its_first_evaluation_and_resolves_at_the_first_without_it():
    assert spans(firings(S, [5, 6, 9], 1, for_s=0, end=30)) == [(5, 5, 7), (9, 9, 10)]


def test_keep_firing_for_bridges_short_gaps_and_delays_the_resolution():
    seen = [0, 1, 2, 3, 6, 7, 20]
    # gone at 4 and 5 (less than 3 s): still firing; gone from 8: resolved at 8 + 3
    assert spans(firings(S, seen, 1, for_s=2, keep_firing_for_s=3, end=30)) == [(0, 2, 11)]


def test_an_alert_firing_at_the_end_has_no_resolution():
    assert spans(firings(S, [27, 28, 29, 30], 1, for_s=1, end=30)) == [(27, 28, None)]
    assert spans(firings(S, [0, 30, 60], 30, for_s=60, end=60)) == [(0, 60, None)]


def test_evaluations_fall_on_the_running_groups_phase_and_its_times_are_read_to_the_microsecond():
    from monsuite.backtest.evaluate import evaluation_times
    from monsuite.backtest.running import evaluation_phases

    class Running:  # /api/v1/rules as Prometheus answers it: Go's RFC 3339 with nanoseconds
        @staticmethod
        def rule_groups():
            return [{"name": "g", "interval": 0.5, "lastEvaluation": "2026-12-07T05:48:04.123456789Z"},
                    {"name": "h", "interval": 60, "lastEvaluation": "2026-12-07T06:48:04+01:00"},
                    {"name": "new", "interval": 60, "lastEvaluation": "0001-01-01T00:00:00Z"}]

    assert evaluation_times(100.2, 110.0, 1.0) == (101.0, 110.0)
    assert evaluation_times(100.2, 110.0, 1.0, 0.25) == (100.25, 109.25)
    phases = evaluation_phases(Running())
    assert phases[("g", 0.5)] == pytest.approx(0.123) and phases[("h", 60.0)] == pytest.approx(4.0)
    assert ("new", 60.0) not in phases


def test_a_resolve_and_refire_on_one_side_is_a_flicker_and_anything_longer_a_difference():
    from monsuite.backtest.exactness import AlertExactness, _pair

    flicker = AlertExactness("Down", 0.5, rearm_s=1.5)
    _pair(flicker, {}, [(10.0, 20.0), (21.0, 30.0)], [(10.0, 30.0)], end=100.0)
    assert flicker.within_a_flicker and not flicker.exact and len(flicker.flickers) == 1
    apart = AlertExactness("Down", 0.5, rearm_s=1.5)
    _pair(apart, {}, [(10.0, 20.0), (40.0, 50.0)], [(10.0, 50.0)], end=100.0)
    assert not apart.within_a_flicker
    exact = AlertExactness("Down", 0.5, rearm_s=1.5)
    _pair(exact, {}, [(10.0, 20.0)], [(10.003, 20.5)], end=100.0)
    assert exact.exact and exact.one_evaluation_apart == 1


def test_a_firing_on_one_side_only_is_a_flicker_when_it_lasted_no_longer_than_a_late_sample_can_explain():
    from monsuite.backtest.exactness import AlertExactness, _pair

    # live: pending held one evaluation longer (a sample that arrived after the evaluation), so `for` elapsed
    brief = AlertExactness("QueueDepth", 0.25, rearm_s=5.25)
    _pair(brief, {}, [], [(50.0, 50.5)], end=100.0, scrape_lag_s=0.672)
    assert brief.within_a_flicker and not brief.exact and "at most 0.972 s" in brief.flickers[0]
    longer = AlertExactness("QueueDepth", 0.25, rearm_s=5.25)
    _pair(longer, {}, [], [(50.0, 52.0)], end=100.0, scrape_lag_s=0.672)
    assert not longer.within_a_flicker and "0 firings backtested, 1 recorded" in longer.differences[0]
    still = AlertExactness("QueueDepth", 0.25, rearm_s=5.25)
    _pair(still, {}, [], [(99.9, None)], end=100.0, scrape_lag_s=0.672)
    assert not still.within_a_flicker


def test_a_sample_that_reached_the_live_evaluations_after_a_long_scrape_may_shift_a_firing_by_that_scrape():
    from monsuite.backtest.exactness import AlertExactness, _pair, _scrape_lag

    durations = {("postgres", "127.0.0.1:1"): 1.2, ("node", "127.0.0.1:2"): 0.01}
    lag = _scrape_lag(durations, {"job": "postgres", "instance": "127.0.0.1:1", "severity": "critical"})
    assert lag == 1.2
    assert _scrape_lag(durations, {"job": "node"}) == 0.01
    assert _scrape_lag(durations, {"severity": "critical"}) == 1.2  # names no target: the longest of all
    assert _scrape_lag({}, {"job": "node"}) == 0.0
    late = AlertExactness("Down", 0.5, rearm_s=1.5)
    _pair(late, {}, [(10.0, 20.0)], [(10.0, 21.463)], end=100.0, scrape_lag_s=lag)
    assert late.exact and late.scrape_lag_s == 1.2
    too_late = AlertExactness("Down", 0.5, rearm_s=1.5)
    _pair(too_late, {}, [(10.0, 20.0)], [(10.0, 21.463)], end=100.0, scrape_lag_s=0.01)
    assert not too_late.within_a_flicker and "0.010 s" in too_late.differences[0]


def _backtest(firing_times: dict[str, list[tuple[float, float]]], end: float = 10_000):
    from monsuite.backtest.evaluate import RuleResult
    from monsuite.backtest.run import Backtest
    from monsuite.backtest.states import Firing
    from monsuite.rules.model import Rule

    results = []
    for alert, spans_of in firing_times.items():
        rule = Rule(file="r.yml", group="g", group_interval_ms=60_000, expr="x > 0", alert=alert)
        made = RuleResult(rule, 60, 0, end, series=1)
        made.firings = [Firing((("instance", "a"),), fired - 60, fired, resolved) for fired, resolved in spans_of]
        results.append(made)
    return Backtest(0, end, results)


def test_baseline_incidents_and_the_timeline_page():
    from monsuite.backtest.html import page
    from monsuite.backtest.output import told
    from monsuite.backtest.report import Incident

    now = _backtest({"Down": [(600, 900), (1200, 1500), (5000, 5100)]})
    before = _backtest({"Down": [(960, 1500)]})
    incidents = [Incident("outage", 500, 1500, ("Down",)), Incident("quiet", 8000, 9000)]
    lines, findings, cases, document = told(now, before, incidents, flap_window_s=900)
    text = "\n".join(lines)
    assert "Down: 3 firings over 1 series" in text and "1 flaps" in text
    assert "Down: +2 firings (1 -> 3), +1 flaps, fires 0s" not in text  # the median delay is the same (60 s)
    assert "Down: +2 firings (1 -> 3), +1 flaps" in text
    assert "CAUGHT outage: Down fired 1m40s after it began" in text and "MISSED quiet" in text
    assert "false alarms): 1 of 3" in text
    assert [c.name for c in cases if c.failure] == ["quiet"] and findings
    assert document["firings"][0]["fired_at"] == "1970-01-01T00:10:00Z"
    html = page(now, before)
    assert html.count('class="now"') == 3 and html.count('class="before"') == 1 and "Down: 3 firings" in html


# ---- against Prometheus's own evaluation -------------------------------------------------------------------

def three_rules(group: str, interval: str, expr: str, prefix: str, held: str, kept: str, keep_firing_for: str) -> str:
    """The same condition three ways: held for `held`; held for `kept` and kept firing; firing at once."""
    return f"""
groups:
  - name: {group}
    interval: {interval}
    rules:
      - alert: {prefix}High
        expr: {expr}
        for: {held}
      - alert: {prefix}HighKept
        expr: {expr}
        for: {kept}
        keep_firing_for: {keep_firing_for}
      - alert: {prefix}AtOnce
        expr: {expr}
"""


RULES = three_rules("backtest", "1s", "monsuite_toggle > 0", "Toggle", held="3s", kept="2s", keep_firing_for="3s")
# (value, seconds held): a fault that comes and goes, a gap keep_firing_for bridges, one too short for `for`
SCHEDULE = [(0, 4), (1, 6), (0, 2), (1, 5), (0, 8), (1, 1.5), (0, 6), (1, 7), (0, 6)]


# Ticks half an evaluation interval away from the evaluations (group_wait 500ms, group_interval 1s), so no
# flush races an alert's arrival; one group of all three alerts, one per alert, one only ToggleHigh reaches;
# ToggleAtOnce (same condition, no `for`) inhibits ToggleHigh whenever both fire.
ALERTMANAGER = """
route:
  receiver: per-alert
  group_by: [alertname]
  group_wait: 500ms
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - {{receiver: together, group_by: [job], matchers: ['alertname=~"Toggle.*"'], continue: true}}
    - {{receiver: held, matchers: ['alertname="ToggleHigh"']}}
    - {{receiver: per-alert, matchers: ['alertname=~"Toggle.*"']}}
inhibit_rules:
  - {{source_matchers: ['alertname="ToggleAtOnce"'], target_matchers: ['alertname="ToggleHigh"']}}
receivers:
  - {{name: per-alert, webhook_configs: [{{url: '{sink}/webhook/per-alert'}}]}}
  - {{name: together, webhook_configs: [{{url: '{sink}/webhook/together'}}]}}
  - {{name: held, webhook_configs: [{{url: '{sink}/webhook/held'}}]}}
"""
RECEIVERS = ("per-alert", "together", "held")


@dataclass
class LiveRun:
    url: str
    rules: Path
    alertmanager_config: Path
    start: float
    end: float
    delivered: dict[str, list[float]]  # per receiver, when the sinks received each notification


@pytest.fixture(scope="module")
def evaluated_live(tmp_path_factory):
    """A real Prometheus scraping a toggle every 0.5 s and evaluating the rules every second while the
    schedule runs, sending its alerts to a real Alertmanager that notifies the local sinks."""
    folder = tmp_path_factory.mktemp("backtest")
    registry = CollectorRegistry()
    toggle = Gauge("monsuite_toggle", "a fault switched by the test", registry=registry)
    target_port, prometheus_port = free_ports(2)
    server, thread = start_http_server(target_port, addr="127.0.0.1", registry=registry)
    (folder / "rules.yml").write_text(RULES)
    url = f"http://127.0.0.1:{prometheus_port}"
    process = None
    with LocalSinks() as sinks:
        (folder / "alertmanager.yml").write_text(ALERTMANAGER.format(sink=sinks.http_url))
        with LiveAlertmanager(folder / "alertmanager.yml") as alertmanager:
            (folder / "prometheus.yml").write_text(
                f"global: {{scrape_interval: 500ms, evaluation_interval: 1s}}\nrule_files: [{folder / 'rules.yml'}]\n"
                f"alerting: {{alertmanagers: [{{static_configs: [{{targets: ['{alertmanager.url.removeprefix('http://')}']}}]}}]}}\n"
                f"scrape_configs: [{{job_name: toggle, static_configs: [{{targets: ['127.0.0.1:{target_port}']}}]}}]\n")
            try:
                process = spawn(["prometheus", f"--config.file={folder / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={folder / 'data'}", "--storage.tsdb.retention.time=1d",
                                 f"--web.listen-address=127.0.0.1:{prometheus_port}"])
                client = PrometheusClient(url, timeout=30)
                wait_until(lambda: client.query("up") and client.query("monsuite_toggle")
                           and client.alertmanagers(), timeout=60,
                           what="Prometheus scraping the toggle and knowing its Alertmanager")
                start = time.time()
                for value, seconds in SCHEDULE:  # the fault plan: each state held for its time
                    toggle.set(value)
                    time.sleep(seconds)
                end = time.time()
                delivered = {r: [d.arrived_at for d in sinks.store.query(receiver=r, channel="webhook")] for r in RECEIVERS}
                yield LiveRun(url, folder / "rules.yml", folder / "alertmanager.yml", start, end, delivered)
            finally:
                if process is not None:
                    stop_process(process)
                server.shutdown()


def test_a_backtest_finds_the_intervals_prometheus_fired_within_one_evaluation_interval(evaluated_live):
    url, rules, start, end = evaluated_live.url, evaluated_live.rules, evaluated_live.start, evaluated_live.end
    client = PrometheusClient(url, timeout=30)
    result = run_backtest(client, alert_rules([rules]), start, end)
    verdicts = judge(read_recorded(client, result), result)
    assert all(v.exact for v in verdicts), [d for v in verdicts for d in v.differences]
    assert {v.alert: v.recorded for v in verdicts} == {"ToggleHigh": 3, "ToggleHighKept": 2, "ToggleAtOnce": 4}
    counts = {r.rule.alert: len(r.firings) for r in result.results}
    assert counts == {"ToggleHigh": 3, "ToggleHighKept": 2, "ToggleAtOnce": 4}


def test_the_notifications_backtested_are_those_the_sinks_received_per_receiver(evaluated_live):
    from monsuite.backtest.delivery import AlertmanagerPlan, deliver

    run = evaluated_live
    backtest = run_backtest(PrometheusClient(run.url, timeout=30), alert_rules([run.rules]), run.start, run.end)
    plan = AlertmanagerPlan.read(run.alertmanager_config)
    delivered = deliver(backtest, plan)
    counted = {receiver: counts["notifications"] for receiver, counts in delivered.per_receiver().items()}
    received = {receiver: len(times) for receiver, times in run.delivered.items()}
    assert counted == received, [(n.at - run.start, n.receiver, n.firing, n.resolved) for n in delivered.notifications]
    for receiver, times in run.delivered.items():  # and each when Alertmanager sent it, within one group_interval
        backtested = [n.at for n in delivered.notifications if n.receiver == receiver]
        assert all(abs(got - want) <= 1.0 for got, want in zip(times, backtested)), (receiver, times, backtested)
    assert received["per-alert"] >= 8 and received["together"] >= 4  # both faults' firing and resolution
    assert received["held"] == 0 and delivered.inhibited == 1  # ToggleHigh never told: ToggleAtOnce mutes it
    plan.config["inhibit_rules"] = []
    assert deliver(backtest, plan).per_receiver()["held"]["notifications"] > 0  # what the inhibition held back


def test_the_command_reports_and_refuses_a_range_beyond_retention(evaluated_live, tmp_path):
    url, rules, start, end = evaluated_live.url, evaluated_live.rules, evaluated_live.start, evaluated_live.end
    said = subprocess.run([sys.executable, "-m", "monsuite", "rules", "backtest", "--rules", str(rules), "--prometheus-url",
                           url, "--from", str(start), "--to", str(end), "--json", str(tmp_path / "b.json"),
                           "--alertmanager-config", str(evaluated_live.alertmanager_config), "--baseline", str(rules),
                           "--html", str(tmp_path / "b.html")], capture_output=True, text=True, timeout=120)
    assert said.returncode == 0, said.stderr
    assert "ToggleHigh: 3 firings" in said.stdout
    assert "3 receivers unchanged" in said.stdout, said.stdout  # the baseline is the same file
    assert f"together: {len(evaluated_live.delivered['together'])} notifications" in said.stdout
    assert json.loads((tmp_path / "b.json").read_text())["per_receiver"]["held"]["notifications"] == 0
    assert "ToggleHigh: 3 firings" in (tmp_path / "b.html").read_text()
    refused = subprocess.run([sys.executable, "-m", "monsuite", "rules", "backtest", "--rules", str(rules),
                              "--prometheus-url", url, "--from", "now-3d"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "beyond what this Prometheus keeps (retention 1d)" in refused.stderr
    reversed_range = subprocess.run([sys.executable, "-m", "monsuite", "rules", "backtest", "--rules", str(rules),
                                     "--prometheus-url", url, "--from", "now", "--to", "now-1h"],
                                    capture_output=True, text=True, timeout=60)
    assert reversed_range.returncode == 2 and "--from must come before --to" in reversed_range.stderr


# ---- 30 days of history, judged against promtool's rule engine ---------------------------------------------

HISTORY_RULES = three_rules("latency", "1m", "demo_latency_p95_seconds > 0.5", "Latency", held="10m", kept="5m",
                            keep_firing_for="20m")


def _notation(values: list[float]) -> str:
    """promtool's expanding notation for a run-length list: `0.3x28799 0.8x179 ...` (vxN is N+1 values)."""
    parts, run_value, run = [], values[0], 0
    for value in values[1:] + [None]:
        run += 1
        if value != run_value:
            parts.append(f"{run_value!r}x{run - 1}")
            run_value, run = value, 0
    return " ".join(parts)


def test_thirty_days_of_history_fire_where_promtools_rule_engine_fires(tmp_path):
    from tests.slo_history import DAYS, HistoryPrometheus

    prometheus = HistoryPrometheus(tmp_path / "history", series=("demo_latency_p95_seconds",))
    try:
        (tmp_path / "rules.yml").write_text(HISTORY_RULES)
        client = PrometheusClient(prometheus.url, timeout=120)
        history = prometheus.history
        start, end = history.times[0], history.end
        began = time.monotonic()
        result = run_backtest(client, alert_rules([tmp_path / "rules.yml"]), start, end)
        took = time.monotonic() - began
    finally:
        prometheus.stop()
    assert {r.rule.alert: len(r.firings) for r in result.results} == {"LatencyHigh": 1, "LatencyHighKept": 1,
                                                                        "LatencyAtOnce": 1}
    # An evaluation at real time T reads sample (T - first - 30 s) / 1m; promtool's samples sit at 0, 1m, 2m ...
    # The rules read the latest sample only, so promtool is given the two hours around the incident.
    first = history.times[0]
    sample = lambda at: round((at - first - 30) / 60)  # noqa: E731
    since = sample(min(r.firings[0].active_at for r in result.results)) - 120
    until = sample(max(r.firings[0].resolved_at for r in result.results)) + 120
    checks = []
    for rule_result in result.results:
        firing = rule_result.firings[0]
        fired, resolved = sample(firing.fired_at) - since, sample(firing.resolved_at) - since
        for minute, fires in ((fired - 1, False), (fired, True), (resolved - 1, True), (resolved, False)):
            checks.append({"eval_time": f"{minute}m", "alertname": rule_result.rule.alert,
                           "exp_alerts": [{"exp_labels": {}}] if fires else []})
    test = {"rule_files": [str(tmp_path / "rules.yml")], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "alert_rule_test": checks,
                       "input_series": [{"series": "demo_latency_p95_seconds",
                                         "values": _notation(history.latency[since:until])}]}]}
    import yaml

    (tmp_path / "test.yml").write_text(yaml.safe_dump(test))
    judged = subprocess.run(["promtool", "test", "rules", str(tmp_path / "test.yml")], capture_output=True, text=True,
                            timeout=600)
    assert judged.returncode == 0, judged.stdout[-3000:] + judged.stderr[-1000:]
    assert len(history.times) >= DAYS * 1440 - 1 and took < 600
