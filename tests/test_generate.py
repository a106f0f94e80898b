"""`monsuite scenarios generate` on real rule files: which rules get tests, and every generated test
passes promtool (the real rule engine)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monsuite.generate.generator import generate, rendered_unit_tests
from monsuite.components.release import promtools
from monsuite.paths import shipped_stack
from monsuite.rules.unittests import run_file
from monsuite.timescale import parse_ms

from tests.reference_configs import PROMTOOL_TESTDATA_V242, awesome_rules, needs_reference, reference

DATA = Path(__file__).parent / "data"
# Real public rule files (read in place), and the least share of their alert rules that must get generated tests.
REFERENCE = {
    awesome_rules("blackbox-exporter.yml"): 0.95,
    awesome_rules("node-exporter.yml"): 0.9,
    awesome_rules("postgres-exporter.yml"): 0.85,
    awesome_rules("embedded-exporter.yml"): 0.95,
    awesome_rules("oliver006-redis-exporter.yml"): 0.95,
    reference(f"{PROMTOOL_TESTDATA_V242}/rules.yml"): 0.95,
}

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) is not installed")


def write(outcome, directory: Path) -> list[Path]:
    written = rendered_unit_tests(outcome, directory / "generated-test.yml")
    for path, text in written.items():
        path.write_text(text)
    return list(written)



@needs_reference
def test_a_prometheus_rule_manifest_nobody_here_wrote_gets_tests_that_pass(tmp_path, record_measurement):
    """kube-prometheus' Alertmanager PrometheusRule, as `kubectl apply` takes it: every rule that can fire gets a
    test that promtool passes (one rule matches `integration!~".*"`, no value at all: it cannot)."""
    manifest = reference("kube-prometheus/manifests/alertmanager-prometheusRule.yaml")
    said = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules", str(manifest),
                           "--tests", str(tmp_path / "t.yml")], capture_output=True, text=True, timeout=900)
    summary = [line for line in said.stdout.splitlines() if "alert rules have generated tests" in line]
    record_measurement("generated", summary[0] if summary else said.stdout[-300:])
    assert said.returncode == 0 and summary and summary[0].startswith("8/9"), said.stdout[-3000:] + said.stderr
    verdicts = [line for line in said.stdout.splitlines() if line.startswith("monsuite rules test")]
    assert verdicts and all(line.endswith("PASSED") for line in verdicts), verdicts

@needs_reference
@pytest.mark.parametrize("path", sorted(REFERENCE), ids=lambda path: path.name)
def test_reference_rule_files_get_tests_that_promtool_passes(path, tmp_path, record_measurement):
    outcome = generate([path])
    record_measurement("generated", f"{outcome.rules_covered}/{outcome.alert_rules}")
    assert outcome.proportion >= REFERENCE[path], [f"{r.alert}: {why}" for r, why in outcome.unsupported]
    for path in write(outcome, tmp_path):
        result = run_file(path)
        assert result.verdict == "passed", result.output[-2000:]
    for rule, why in outcome.unsupported:
        assert why, rule.alert


def test_seed_003_rules_that_cannot_fire_on_scraped_series_are_named_with_the_reason(tmp_path):
    outcome = generate([DATA / "rules" / "seed-003-alerts.yml"])
    assert len(outcome.covered) == 12 and outcome.alert_rules == 14
    reasons = {rule.alert: why for rule, why in outcome.unsupported}
    # both divide series of different jobs (or a labelled series by a count without labels): one-to-one
    # matching never pairs them, so the rules cannot fire on series as Prometheus scrapes them
    assert set(reasons) == {"HighDatabaseDiskUsage", "HighLoadAverage"}
    assert all("no input found" in why for why in reasons.values())
    corrected = generate([shipped_stack("seed-003") / "rules" / "alerts.yml"])  # the stack's corrected rules
    assert len(corrected.covered) == 14 and not corrected.unsupported


def test_every_test_checks_quiet_then_not_yet_then_firing_with_labels_and_rendered_annotations_then_resolved(tmp_path):
    outcome = generate([shipped_stack("seed-003") / "rules" / "alerts.yml"])
    error_rate = next(g for g in outcome.generated if g.rule.alert == "HighErrorRate" and not g.via)
    checks = error_rate.test["alert_rule_test"]
    assert [c["exp_alerts"] for c in checks[:2]] == [[], []]
    assert checks[-1]["exp_alerts"] == [] and checks[-2]["exp_alerts"]  # still firing, then resolved once quiet again
    fired = checks[2]["exp_alerts"][0]
    assert fired["exp_labels"]["severity"] == "warning" and fired["exp_labels"]["alertname"] == "HighErrorRate"
    assert fired["exp_annotations"]["description"].startswith("Error rate is ") and "{{" not in str(fired)
    assert error_rate.quiet is not None and error_rate.fires_at_ms > error_rate.quiet_until_ms


CLOCK_CHANGES_AND_NO_METRIC = """
groups:
  - name: kinds
    rules:
      - alert: BackupStale
        expr: time() - backup_last_success_timestamp_seconds > 600
        for: 1m
      - alert: CertificateExpiring
        expr: (probe_ssl_earliest_cert_expiry - time()) / 86400 < 7
      - alert: Restarting
        expr: changes(process_start_time_seconds[15m]) > 2
      - alert: Watchdog
        expr: vector(1)
      - alert: VolumeDrop
        expr: sum(rate(jobs_total[5m])) < sum(rate(jobs_total[1h] offset 1h)) * 0.5
        for: 10m
      - alert: RestartLoop
        expr: resets(worker_cpu_seconds_total[30m]) > 3
"""


def test_timestamps_changes_offsets_and_rules_reading_no_metric_get_tests_that_catch_a_moved_threshold(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(CLOCK_CHANGES_AND_NO_METRIC)
    outcome = generate([rules])
    assert sorted(outcome.covered) == ["BackupStale", "CertificateExpiring", "RestartLoop", "Restarting", "VolumeDrop",
                                       "Watchdog"], outcome.unsupported
    [path] = write(outcome, tmp_path)
    assert run_file(path).verdict == "passed"
    stale_input = next(g.test["input_series"] for g in outcome.generated if g.rule.alert == "BackupStale" and not g.via)
    assert any("+15x" in s["values"] for s in stale_input)  # the timestamp follows the clock, 15 s a sample
    drop_input = next(g.test["input_series"] for g in outcome.generated if g.rule.alert == "VolumeDrop" and not g.via)
    assert len(drop_input[0]["values"].split()) > 3  # a past and a present in each phase
    restarts = next(g.test["input_series"] for g in outcome.generated if g.rule.alert == "RestartLoop" and not g.via)
    assert " 0+1x" in restarts[0]["values"]  # a counter dropping back to 0, again and again
    for old, new in (("> 600", "> 6000"), ("< 7", "< 0.7"), ("> 2", "> 200"), ("vector(1)", "vector(1) > 1"),
                     ("* 0.5", "* 0.05"), ("offset 1h", "offset 2h"), ("> 3", "> 4"), ("> 3", "> 2"),
                     ("[30m]) > 3", "[15m]) > 3"), ("resets(", "changes(")):
        rules.write_text(CLOCK_CHANGES_AND_NO_METRIC.replace(old, new))
        assert run_file(path).verdict == "failed", f"{old} -> {new} went unnoticed"


WEEK_SCALE_AND_SEVERAL_SERIES = """
groups:
  - name: long
    rules:
      - alert: MemoryUnderused
        expr: min_over_time(memory_free_bytes[1w]) > memory_total_bytes * .8
      - alert: CpuIdleAllWeek
        expr: min without (cpu) (rate(cpu_idle_seconds_total[1h])) > 0.8
        for: 7d
      - alert: SwitchingSurge
        expr: rate(context_switches_total[15m]) / rate(context_switches_total[1d]) > 2
  - name: several
    rules:
      - alert: TooManyMasters
        expr: count(instance_info{role="master"}) > 1
      - alert: TargetMissing
        expr: up == 0 unless on(job) (sum by (job) (up) == 0)
"""


def test_week_scale_rules_get_a_coarser_test_file_and_counted_series_a_second_instance(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(WEEK_SCALE_AND_SEVERAL_SERIES)
    outcome = generate([rules])
    assert sorted(outcome.covered) == ["CpuIdleAllWeek", "MemoryUnderused", "SwitchingSurge", "TargetMissing",
                                       "TooManyMasters"], outcome.unsupported
    paths = write(outcome, tmp_path)
    assert [p.name for p in paths] == ["generated-test.yml", "generated-test-every-5m.yml", "generated-test-every-15m.yml"]
    coarse = yaml.safe_load(paths[2].read_text())
    assert coarse["evaluation_interval"] == "15m"
    assert {t["alert_rule_test"][0]["alertname"] for t in coarse["tests"]} == {"CpuIdleAllWeek", "MemoryUnderused"}
    # no steady input fires a rate over 15m twice the day's: the input gets a past and a present
    surge = next(g for g in outcome.generated if g.rule.alert == "SwitchingSurge" and not g.via)
    assert surge.design.interval_ms == 300_000 and surge.design.series[0].past_var is not None
    assert all(run_file(p).verdict == "passed" for p in paths)
    masters = next(g for g in outcome.generated if g.rule.alert == "TooManyMasters" and not g.via)
    assert {s["series"].split("instance=")[1].split(",")[0] for s in masters.test["input_series"]} == \
        {'"generated:9100"', '"generated-2:9100"'}
    from monsuite.generate.live import NotLive, live_scenario
    with pytest.raises(NotLive, match="several instances"):  # a push carries one instance
        live_scenario(masters, [{"labels": {"alertname": "TooManyMasters"}, "receivers": ["team"]}], {"pushgateway"}, {})
    for old, new in (("[1w]", "[1d]"), ("for: 7d", "for: 5d"), ("> 0.8", "> 8"), ("> 1", "> 2"), ("unless", "and"),
                     ("[1d]) > 2", "[1d]) > 20")):
        rules.write_text(WEEK_SCALE_AND_SEVERAL_SERIES.replace(old, new, 1))
        assert any(run_file(p).verdict == "failed" for p in paths), f"{old} -> {new} went unnoticed"


GUARDS_GROUPS_AND_ALTERNATIVES = """
groups:
  - name: g
    rules:
      - alert: LinkSaturated
        expr: rate(received_bytes_total[5m]) / link_speed_bytes > 0.8 and link_speed_bytes > 0
      - alert: RollbacksHigh
        expr: sum by (datname) (rate(rollbacks_total{datname!~"template.*|postgres"}[5m])) > 2
      - alert: CpuBusy
        expr: avg without (cpu) (rate(cpu_busy_seconds_total[5m])) > 0.9
"""


def test_guards_grouping_labels_and_regex_alternatives_get_inputs_that_tell_their_mutants_apart(tmp_path):
    from monsuite.mutate.runner import run

    rules = tmp_path / "rules.yml"
    rules.write_text(GUARDS_GROUPS_AND_ALTERNATIVES)
    outcome = generate([rules])
    assert sorted(outcome.covered) == ["CpuBusy", "LinkSaturated", "RollbacksHigh"], outcome.unsupported
    guard = [g for g in outcome.generated if "link_speed_bytes{} > 0 just held, then just not" in g.via]
    assert guard and guard[0].quiet[next(s.var for s in guard[0].design.series if s.metric == "link_speed_bytes")] == 0
    verdicts = run([rules], write(outcome, tmp_path)).verdicts
    survivors = [v.mutant.description for v in verdicts if not v.killed]
    # the guard at 0 while the ratio fires; datname and cpu carried by the series; the decoy from the last
    # alternative ("postgres"), which an edited last alternative no longer refuses
    for killed in ("threshold 0 -> -1", "threshold 0 -> 1", "by (datname) -> by ()", "without (cpu) -> without ()",
                   '"template.*|postgres" -> "template.*|postgres-changed"'):
        assert any(killed in v.mutant.description for v in verdicts), killed
        assert not [s for s in survivors if killed in s], survivors


ALTERNATIVES_AND_EXCEPTIONS = """
groups:
  - name: alternatives
    rules:
      - alert: RemoteWriteFailing
        expr: (rate(old_failed_total{job="prom"}[5m]) or rate(new_failed_total{job="prom"}[5m])) > 1
      - alert: PodNotReady
        expr: max by (pod) (pod_phase{phase="Pending"} == 1) unless on (pod) pod_gated{reason="Gated"} == 1
      - alert: VolumeFillingUp
        expr: predict_linear(volume_free_bytes[1h], 4 * 3600) < 0 unless on (pvc) volume_excluded{excluded="true"} == 1
"""


def test_the_right_side_of_an_or_and_of_an_unless_gets_inputs_that_tell_their_mutants_apart(tmp_path):
    from monsuite.mutate.runner import run

    rules = tmp_path / "rules.yml"
    rules.write_text(ALTERNATIVES_AND_EXCEPTIONS)
    outcome = generate([rules])
    assert sorted(outcome.covered) == ["PodNotReady", "RemoteWriteFailing", "VolumeFillingUp"], outcome.unsupported
    assert [g for g in outcome.generated if g.via.startswith("telling it from")], [g.via for g in outcome.generated]
    verdicts = run([rules], write(outcome, tmp_path)).verdicts
    survivors = [v.mutant.description for v in verdicts if not v.killed]
    # reached only where the left side is absent (the new metric name), where the exception holds (a gated
    # pod, a volume excluded while its free space falls), or where the exception's decoy holds it while the
    # excepted series does not (a dropped matcher)
    for killed in ('job="prom" -> "prom-changed" in new_failed_total', 'reason="Gated" -> "Gated-changed"',
                   'reason="Gated" dropped', 'excluded="true" -> "true-changed"'):
        assert any(killed in v.mutant.description for v in verdicts), killed
        assert not [s for s in survivors if killed in s], survivors


A_METRIC_READ_TWICE = """
groups:
  - name: api
    rules:
      - alert: TerminatedRequests
        expr: >-
          sum by (cluster) (rate(terminations_total{job="api"}[10m])) / (sum by (cluster) (rate(requests_total{job="api"}[10m]))
          + sum by (cluster) (rate(terminations_total{job="api"}[10m]))) > 0.20
        for: 5m
"""


def test_tests_telling_apart_two_mutants_alike_in_words_keep_names_of_their_own_and_pass(tmp_path):
    # the window of the metric read twice, changed at either place, reads the same: promtool tells tests (and the
    # generator its probes) apart by name only, so a shared name mixed two inputs' alerts into one expectation
    rules = tmp_path / "rules.yml"
    rules.write_text(A_METRIC_READ_TWICE)
    outcome = generate([rules])
    names = [g.test["name"] for g in outcome.generated]
    assert len([n for n in names if "range [10m] -> [50m] in terminations_total" in n]) == 2, names
    assert len(set(names)) == len(names), names
    for path in write(outcome, tmp_path):
        result = run_file(path)
        assert result.verdict == "passed", result.output[-2000:]


BOUNDS_AND_A_SHARED_EXPRESSION = """
groups:
  - name: bounds
    rules:
      - alert: ExpiresSoon
        expr: 3 <= round((expiry_seconds - time()) / 86400, 0.1) < 20
      - alert: Expired
        expr: round((expiry_seconds - time()) / 86400, 0.1) < 0
"""


def test_both_bounds_of_a_chained_comparison_are_tested_and_rules_asking_the_same_expression_keep_apart(tmp_path):
    """`3 <= x < 20` filters, then compares: the lower bound gets inputs just inside and just outside it too.
    Expired asks promtool the expression the bound compares, at the same moments, of its own input."""
    from monsuite.mutate.runner import run

    rules = tmp_path / "rules.yml"
    rules.write_text(BOUNDS_AND_A_SHARED_EXPRESSION)
    outcome = generate([rules])
    assert sorted(outcome.covered) == ["Expired", "ExpiresSoon"], outcome.unsupported
    assert any(">= 3 just held, then just not" in g.via for g in outcome.generated if g.rule.alert == "ExpiresSoon")
    verdicts = run([rules], write(outcome, tmp_path)).verdicts
    lower = [v for v in verdicts if "threshold 3 -> " in v.mutant.description]
    assert lower and all(v.killed for v in lower), [v.mutant.description for v in lower if not v.killed]


def test_a_hand_written_file_where_a_coarser_test_file_goes_is_not_overwritten(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(WEEK_SCALE_AND_SEVERAL_SERIES)
    mine = tmp_path / "t-every-15m.yml"
    mine.write_text("# my own tests\n")
    proc = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules", str(rules),
                           "--tests", str(tmp_path / "t.yml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "t-every-15m.yml" in proc.stderr and "not generated by monsuite" in proc.stderr
    assert mine.read_text() == "# my own tests\n" and not (tmp_path / "t.yml").exists()


def test_a_broken_expectation_in_a_generated_test_fails_under_promtool(tmp_path):
    outcome = generate([shipped_stack("seed-004") / "rules" / "aurelis-rules.yml"])
    [path] = write(outcome, tmp_path)
    data = yaml.safe_load(path.read_text())
    data["tests"][0]["alert_rule_test"][-1]["exp_alerts"][0]["exp_labels"]["severity"] = "critical"
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=100000))
    assert run_file(path).verdict == "failed"


@pytest.mark.parametrize("stack, rules", [("default", "rules/*.yml"), ("seed-003", "rules/alerts.yml"),
                                          ("seed-004", "rules/aurelis-rules.yml")])
def test_the_stacks_committed_generated_tests_are_current_and_pass(stack, rules, tmp_path):
    directory = shipped_stack(stack)
    committed = directory / "rule-tests" / "generated-test.yml"
    for promtool in ["promtool", *promtools()]:  # every Prometheus release on the machine: 2.42 and 3.x
        assert run_file(committed, promtool=promtool).verdict == "passed", promtool
    if not promtools():
        pytest.skip("the committed tests are timed to hold under Prometheus 2.42 and 3.x: regenerating them needs "
                    "both promtools (`monsuite components build prometheus`)")
    regenerated = tmp_path / "rule-tests" / "generated-test.yml"
    regenerated.parent.mkdir()
    shutil.copytree(directory / "rules", tmp_path / "rules")
    proc = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules",
                           *[str(p) for p in sorted((tmp_path).glob(rules))], "--tests", str(regenerated)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert regenerated.read_text() == committed.read_text(), f"regenerate {committed} with monsuite scenarios generate"


@needs_reference
def test_the_command_prints_the_proportion_and_refuses_live_output_without_a_stack(tmp_path):
    rules = awesome_rules("oliver006-redis-exporter.yml")
    proc = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules", str(rules),
                           "--tests", str(tmp_path / "t.yml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "12/12 alert rules have generated tests (100%)" in proc.stdout
    assert "not generated  RedisMissingBackup" not in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules", str(rules),
                          "--out", str(tmp_path / "s.yaml")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--out" in bad.stderr and not (tmp_path / "s.yaml").exists()


@pytest.mark.live
def test_generated_live_scenarios_pass_on_the_default_stack(tmp_path, record_measurement):
    stack = tmp_path / "default"
    shutil.copytree(shipped_stack("default"), stack)
    (stack / "scenarios.yaml").unlink()  # replaced by the generated ones (a hand-written file is never overwritten)
    rules = sorted(str(p) for p in (stack / "rules").glob("*.yml"))
    generated = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules", *rules,
                                "--tests", str(tmp_path / "t.yml"), "--stack", str(stack)],
                               capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "20/20 alert rules have live scenarios" in generated.stdout, generated.stdout
    # the volume drop's scenario pushes its past (90 s at the ci profile) and resolves 100 s after it is cleared,
    # every other scenario on its metric waiting: it is run on its own in the test after this one
    scenarios = yaml.safe_load((stack / "scenarios.yaml").read_text())
    [drop] = [s for s in scenarios["scenarios"] if s["alert"] == "WindmillPlatformExecutionVolumeDrop"]
    assert drop["fault"]["push"]["past_for"] == "1h30m"
    scenarios["scenarios"].remove(drop)
    (stack / "scenarios.yaml").write_text(yaml.safe_dump(scenarios, sort_keys=False))
    campaign = subprocess.run([sys.executable, "-m", "monsuite", "campaign", "--stack", str(stack),
                               "--out", str(tmp_path / "report")], capture_output=True, text=True, timeout=900)
    summary = json.loads((tmp_path / "report" / "flakiness.json").read_text())
    record_measurement("generated_scenarios_passed", sum(e["passed"] for e in summary["scenarios"].values()))
    failures = {name: e["failures"] for name, e in summary["scenarios"].items() if e["failures"]}
    assert campaign.returncode == 0 and len(summary["scenarios"]) == 19, (failures, campaign.stdout[-3000:])


SHORT_PAST_RULES = """
groups:
  - name: past
    rules:
      - alert: JobsDropped
        expr: sum(rate(windmill_executions_total[1m])) < 0.5 * sum(rate(windmill_executions_total[1m] offset 5m))
        labels: {severity: info, team: platform}
      - alert: BacklogGrew
        expr: sum(backlog_items) - sum(backlog_items offset 5m) > 100
        labels: {severity: info, team: platform}
      - alert: RunnerRestarting
        expr: resets(runner_cycles_total[10m]) > 2
        labels: {severity: info, team: platform}
"""


@pytest.mark.live
def test_generated_scenarios_that_push_a_past_or_resets_fire_on_a_stack_whose_traffic_they_outweigh(tmp_path):
    """Rules comparing with five minutes ago, on the default stack (its own traffic running): the generated
    scenarios push the past the rules read, then the present, and each alert fires and reaches its receiver.
    A rule counting a counter's resets gets a pushed counter that drops back to 0 again and again."""
    stack = tmp_path / "default"
    shutil.copytree(shipped_stack("default"), stack)
    (stack / "scenarios.yaml").unlink()
    for old in (stack / "rules").glob("*.yml"):
        old.unlink()
    (stack / "rules" / "past.yml").write_text(SHORT_PAST_RULES)
    generated = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules",
                                str(stack / "rules" / "past.yml"), "--tests", str(tmp_path / "t.yml"), "--stack", str(stack)],
                               capture_output=True, text=True, timeout=300)
    assert "3/3 alert rules have live scenarios" in generated.stdout, generated.stdout + generated.stderr
    pushes = {s["alert"]: s["fault"]["push"] for s in yaml.safe_load((stack / "scenarios.yaml").read_text())["scenarios"]}
    assert "past_for" in pushes["JobsDropped"] and "past_for" in pushes["BacklogGrew"], pushes
    assert "resets_every" in pushes["RunnerRestarting"]["series"][0], pushes
    campaign = subprocess.run([sys.executable, "-m", "monsuite", "campaign", "--stack", str(stack),
                               "--out", str(tmp_path / "report")], capture_output=True, text=True, timeout=600)
    summary = json.loads((tmp_path / "report" / "flakiness.json").read_text())
    assert campaign.returncode == 0, campaign.stdout[-3000:] + campaign.stderr[-2000:]
    assert {name: e["passed"] for name, e in summary["scenarios"].items()} == {"jobs-dropped": 1, "backlog-grew": 1,
                                                                              "runner-restarting": 1}



def test_a_rule_counting_resets_gets_a_pushed_counter_that_resets_twice_as_often_as_its_test_needs(tmp_path):
    """A window holds one reset more or fewer depending on where the drops fall: the push goes twice as far from
    the quiet input; drops closer than a few scrapes at the profile's scale are refused, with the reason."""
    from monsuite.generate.live import NotLive, live_scenario

    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "RestartLoop", "expr": "resets(cycles_total[30m]) > 3", "labels": {"severity": "warning"}}]}]}))
    by_alert = {g.rule.alert: g for g in generate([rules]).generated if not g.via}
    routes = [{"labels": {"severity": "warning"}, "receivers": ["team"]}]
    [series] = live_scenario(by_alert["RestartLoop"], routes, {"pushgateway"}, {}, 60)["fault"]["push"]["series"]
    resets_in_window = 30 * 60_000 / parse_ms(series["resets_every"])
    designed = by_alert["RestartLoop"].live_firing
    assert resets_in_window >= 2 * 4 - 0.5 and series["rate"] > 0, (series, designed)
    with pytest.raises(NotLive, match="too often for a scrape"):  # at time scale 600, a drop every 0.4 s or less
        live_scenario(by_alert["RestartLoop"], routes, {"pushgateway"}, {}, 600)

def test_a_counter_read_through_increase_grows_with_the_time_scale(tmp_path):
    """[1m] becomes [1s] at time scale 60: the increase over it is an amount, so the push grows 60 times faster;
    a rate() reads a per-second value that compression leaves as it is."""
    from monsuite.generate.live import live_scenario

    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "Rejected", "expr": "increase(rejected_total[1m]) > 5", "labels": {"severity": "warning"}},
        {"alert": "Busy", "expr": "rate(requests_total[1m]) > 5", "labels": {"severity": "warning"}}]}]}))
    outcome = generate([rules])
    routes = [{"labels": {"severity": "warning"}, "receivers": ["team"]}]
    by_alert = {g.rule.alert: g for g in outcome.generated if not g.via}

    def pushed_rate(alert: str, scale: float) -> float:
        return live_scenario(by_alert[alert], routes, {"pushgateway"}, {}, scale)["fault"]["push"]["series"][0]["rate"]

    assert pushed_rate("Rejected", 60) == pytest.approx(60 * pushed_rate("Rejected", 1))
    assert pushed_rate("Busy", 60) == pytest.approx(pushed_rate("Busy", 1))


def test_a_live_fault_leaves_the_stacks_other_rules_quiet_where_an_input_can(tmp_path):
    """The firing input closest to the threshold (0.9 clients of 0.9) would also fire the low-clients rule;
    the live fault pushes an input that fires the ratio rule alone, and says so where none exists."""
    from monsuite.generate.live import live_scenario

    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "TooManyClients", "expr": "clients / maxclients * 100 > 90", "labels": {"severity": "warning"}},
        {"alert": "NotEnoughClients", "expr": "clients < 5", "labels": {"severity": "warning"}},
        {"alert": "NoClients", "expr": "clients == 0", "labels": {"severity": "warning"}}]}]}))
    by_alert = {g.rule.alert: g for g in generate([rules]).generated if not g.via}
    routes = [{"labels": {"severity": "warning"}, "receivers": ["team"]}]

    def pushed(alert: str) -> dict:
        scenario = live_scenario(by_alert[alert], routes, {"pushgateway"}, {})
        return {s["name"]: s["value"] for s in scenario["fault"]["push"]["series"]}, scenario["description"]

    values, described = pushed("TooManyClients")
    assert values["clients"] >= 5 and values["clients"] / values["maxclients"] > 0.9 and "also" not in described
    assert by_alert["TooManyClients"].collateral == []
    values, described = pushed("NoClients")  # no input of `clients == 0` keeps `clients < 5` quiet
    assert values["clients"] == 0 and by_alert["NoClients"].collateral == ["NotEnoughClients"]
    assert "also makes NotEnoughClients hold" in described


OFFSET_RULES = """
groups:
  - name: past
    rules:
      - alert: TrafficDrop
        expr: sum(rate(app_requests_total[5m])) < 0.5 * sum(rate(app_requests_total[5m] offset 1h))
        labels: {severity: warning}
      - alert: QueueGrowing
        expr: queue_depth - queue_depth offset 30m > 100
        labels: {severity: warning}
      - alert: ErrorsTrending
        expr: rate(app_errors_total[15m]) > 2 * rate(app_errors_total[1d])
        labels: {severity: warning}
"""


def test_a_rule_reading_an_offset_gets_a_live_scenario_that_pushes_its_past_first(tmp_path):
    """The past lasts as in the generated test (every window read at the offset sees it alone once the present
    fills the windows read now); a rate's past outweighs the stack's own traffic of the metric; a past the
    profile would still wait for longer than a campaign should is left to a `history:` entry."""
    from monsuite.alerts.faults import parse_faults
    from monsuite.generate.live import PAST_RATE_FLOOR, NotLive, live_scenario

    rules = tmp_path / "rules.yml"
    rules.write_text(OFFSET_RULES)
    by_alert = {g.rule.alert: g for g in generate([rules]).generated if not g.via}
    routes = [{"labels": {"severity": "warning"}, "receivers": ["team"]}]
    queue = live_scenario(by_alert["QueueGrowing"], routes, {"pushgateway"}, {}, 60)
    assert queue["fault"]["push"]["past_for"] == "15m" and queue["ramp"] == "30m"
    [pushed] = queue["fault"]["push"]["series"]
    assert pushed["value"] - pushed["past"]["value"] > 100  # the present, against the past it is read with
    drop = live_scenario(by_alert["TrafficDrop"], routes, {"pushgateway"}, {}, 60)
    [counter] = drop["fault"]["push"]["series"]
    assert counter["past"]["rate"] >= PAST_RATE_FLOOR and counter["rate"] < 0.5 * counter["past"]["rate"]
    assert "in the past" in drop["description"]
    [push] = parse_faults(drop["fault"], {"pushgateway"}, lambda field, problem: pytest.fail(f"{field}: {problem}"))
    assert push.past_ms == 35 * 60_000  # 1h5m read, the last 30m of it the present
    with pytest.raises(NotLive, match="history"):  # a day's past: 24 minutes even at time scale 60
        live_scenario(by_alert["ErrorsTrending"], routes, {"pushgateway"}, {}, 60)


SHARED_NAME = """
groups:
  - name: disk
    rules:
      - alert: DiskAlmostFull
        expr: disk_free_bytes / disk_size_bytes * 100 < 5
        for: 30m
        labels: {severity: warning}
        annotations: {description: 'only {{ printf "%.2f" $value }}% left'}
      - alert: DiskAlmostFull
        expr: disk_free_bytes / disk_size_bytes * 100 < 3
        for: 30m
        labels: {severity: critical}
        annotations: {description: 'only {{ printf "%.2f" $value }}% left'}
"""


def test_rules_sharing_an_alert_name_each_get_the_annotations_their_own_input_renders(tmp_path):
    """promtool tells a probe's alerts apart by test and alert name only: two rules of one alert name (a warning
    and a critical threshold, as kube-prometheus writes them) must not read each other's rendered values."""
    rules = tmp_path / "rules.yml"
    rules.write_text(SHARED_NAME)
    outcome = generate([rules])
    assert len([g for g in outcome.generated if not g.via]) == 2, outcome.unsupported
    [path] = write(outcome, tmp_path)
    assert run_file(path).verdict == "passed"


NAMESAKE_FIRING_ON_QUIET = """
groups:
  - name: disk
    rules:
      - alert: DiskLow
        expr: disk_free_percent < 20
        labels: {severity: warning}
      - alert: DiskLow
        expr: disk_free_percent < 5
        labels: {severity: critical}
"""


def test_a_rule_whose_quiet_input_fires_a_namesake_expects_the_namesakes_alerts_beside_its_own(tmp_path):
    """The critical rule's quiet input (just above 5 %) is below the warning rule's 20 %: promtool checks alerts
    by name, so its test expects the warning alert throughout and its own only when it fires."""
    rules = tmp_path / "rules.yml"
    rules.write_text(NAMESAKE_FIRING_ON_QUIET)
    outcome = generate([rules])
    assert not outcome.unsupported, outcome.unsupported
    critical = next(g for g in outcome.generated if not g.via and g.rule.labels["severity"] == "critical")
    quiet_check = critical.test["alert_rule_test"][0]
    assert [a["exp_labels"]["severity"] for a in quiet_check["exp_alerts"]] == ["warning"], quiet_check
    [path] = write(outcome, tmp_path)
    assert run_file(path).verdict == "passed"


def test_namesakes_that_no_fixed_label_tells_apart_are_named_as_the_reason(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(NAMESAKE_FIRING_ON_QUIET.replace("severity: critical", "severity: warning"))
    [(rule, why)] = generate([rules]).unsupported
    assert "no fixed label tells their alerts apart" in why and "group disk" in why, why


FILLING_UP = """
groups:
  - name: filesystem
    rules:
      - alert: FilesystemFillingUp
        expr: |
          (
            node_filesystem_avail_bytes{job="node",fstype!="",mountpoint!=""} / node_filesystem_size_bytes{job="node",fstype!="",mountpoint!=""} * 100 < 15
          and
            predict_linear(node_filesystem_avail_bytes{job="node",fstype!="",mountpoint!=""}[6h], 24*60*60) < 0
          and
            node_filesystem_readonly{job="node",fstype!="",mountpoint!=""} == 0
          )
        for: 1h
"""


def test_a_filesystem_filling_up_gets_free_bytes_that_fall_but_stay_above_zero(tmp_path):
    """kube-prometheus' NodeFilesystemSpaceFillingUp: the firing input's free bytes fall (a slope) and the ratio is
    under 15 % while the file system is writable; no sample of them is negative, and the tests tell a 10x
    threshold either way."""
    from monsuite.mutate.runner import run

    rules = tmp_path / "rules.yml"
    rules.write_text(FILLING_UP)
    outcome = generate([rules])
    assert outcome.covered == ["FilesystemFillingUp"], outcome.unsupported
    written = write(outcome, tmp_path)
    for path in written:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for series in test["input_series"]:
                if series["series"].startswith("node_filesystem_avail_bytes"):
                    for run_ in series["values"].split():
                        start, step, repeats = _run_parts(run_)
                        assert start >= 0 and start + step * repeats >= 0, (test["name"], series)
    survivors = [v.mutant.description for v in run([rules], written).verdicts if not v.killed]
    assert not [s for s in survivors if s.startswith("threshold 15")], survivors
    # a live push starts where the input was judged, not hours of falling before it
    [chosen] = [g for g in outcome.generated if not g.via]
    free = next(s.var for s in chosen.design.series if s.metric == "node_filesystem_avail_bytes")
    assert 0 <= chosen.live_firing[free] < chosen.firing[free], (chosen.live_firing[free], chosen.firing[free])


def _run_parts(text: str) -> tuple[float, float, int]:
    """promtool's `a+bxn` / `a-bxn`: (a, signed b, n)."""
    head, repeats = text.rsplit("x", 1)
    sign = "-" if "-" in head[1:] else "+"
    start, step = head[0] + head[1:].split(sign, 1)[0], head[1:].split(sign, 1)[1]
    return float(start), float(step) * (-1 if sign == "-" else 1), int(repeats)
