"""Mutants of alert rules, and `monsuite rules mutate` against real promtool runs."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import promql_parser as pp
import pytest

from monsuite.generate.mutants import mutants
from monsuite.mutate.runner import run
from monsuite.paths import shipped_stack
from monsuite.rules.model import Rule
from tests.reference_configs import AWESOME_RULES, awesome_rules, needs_reference

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) is not installed")

RULES = """groups:
  - name: api
    rules:
      - alert: HighErrorRate
        expr: sum by (job) (rate(http_requests_total{job="api", status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{job="api"}[5m])) > 0.05
        for: 5m
        labels: {severity: warning, team: platform}
        annotations: {summary: "errors"}
"""
# A weak test: the error ratio it feeds (100 %) is far above the threshold, it never looks at a quiet
# input and it looks long after the alert could fire, so a threshold raised tenfold, a status matcher
# dropped or a doubled `for` goes unnoticed.
WEAK_TEST = """rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job="api", instance="a", status="500"}'
        values: '0+60x20'
    alert_rule_test:
      - eval_time: 15m
        alertname: HighErrorRate
        exp_alerts:
          - exp_labels: {alertname: HighErrorRate, job: api, severity: warning, team: platform}
            exp_annotations: {summary: errors}
"""


def rule(expr: str, for_ms: int = 300_000, labels=None) -> Rule:
    return Rule(file="rules.yml", group="g", group_interval_ms=None, expr=expr, alert="A", for_ms=for_ms,
                labels=labels or {"severity": "warning"})


def descriptions(r: Rule) -> set[str]:
    return {m.description for m in mutants(r)}


def test_each_kind_of_mutant_is_made_and_parses():
    made = mutants(rule('sum by (job) (rate(x_total{job="api", status=~"5.."}[5m])) > 0.05'))
    kinds = {m.kind for m in made}
    assert kinds == {"comparison", "threshold", "aggregation", "window", "matcher", "for", "label"}
    for m in made:
        if m.kind not in ("for", "label"):
            assert str(pp.parse(m.expr)) != str(pp.parse(m.rule.expr))
    text = {m.description: m.expr for m in made}
    assert text["threshold 0.05 -> 0.5"].endswith("> 0.5")
    assert "[25m]" in text['range [5m] -> [25m] in x_total{job="api",status=~"5.."}']
    assert 'status=~"5.."' not in text['matcher status=~"5.." dropped in x_total{job="api", status=~"5.."}']
    assert text["comparison > -> <"].endswith("< 0.05")
    assert {"for 5m -> 0s", "for 5m -> 10m", "label severity=warning -> warning-changed"} <= set(text)


def test_equivalent_mutants_are_left_out():
    # dropping a matcher that accepts every value, or doubling a `for` of zero, changes nothing
    assert not any("dropped" in d for d in descriptions(rule('x{job=~".*"} > 1')))
    assert not any(d.startswith("for") and "->" in d and "0s ->" in d for d in descriptions(rule("x > 1", for_ms=0)))
    # job="api" dropped on one side of a one-to-one match: the other side still demands job="api"
    matched = descriptions(rule('a{job="api"} / on (job, instance) b{job="api"} > 0.9'))
    assert 'matcher job="api" dropped in a{job="api"}' not in matched
    assert 'matcher job="api" -> "api-changed" in a{job="api"}' in matched
    # the same across `and`, and on the right of `unless`; not on the left of `unless` nor across `or`
    assert 'matcher m="/" dropped in a{m="/"}' not in descriptions(rule('a{m="/"} < 0 and b{m="/"} < 0.4'))
    assert 'matcher m="/" dropped in b{m="/"}' not in descriptions(rule('a{m="/"} unless b{m="/"}'))
    assert 'matcher m="/" dropped in a{m="/"}' in descriptions(rule('a{m="/"} unless b{m="/"}'))
    assert 'matcher m="/" dropped in a{m="/"}' in descriptions(rule('a{m="/"} or b{m="/"}'))
    # ... and on either side of an `or` or the left of an `unless` below such a match: what they let in still
    # finds no partner above them (kube-prometheus' remote-write failures, old or new metric name)
    either = descriptions(rule('(rate(o{job="p"}[5m]) or rate(n{job="p"}[5m])) / (rate(s{job="p"}[5m]) unless c{job="p"}) > 1'))
    assert not any('job="p" dropped' in d for d in either), either
    assert 'matcher job="p" -> "p-changed" in n{job="p"}' in either
    # any matcher the other side demands alike: !~ on both sides of a ratio kept by handler (kube-prometheus)
    ratio = descriptions(rule('sum without (code) (a{handler!~"/proxy.*", code=~"5.."}) / sum without (code) (a{handler!~"/proxy.*"}) > 50'))
    assert not any('handler!~"/proxy.*" dropped' in d for d in ratio)
    # ... and its value changed: it lets in what dropping it would (and refuses only a value made up)
    assert not any('handler!~"/proxy.*" -> ' in d for d in ratio), ratio
    filesystem = descriptions(rule('a{fstype!=""} / b{fstype!=""} < 0.1 and c{fstype!=""} == 0'))
    assert not any('fstype!=""' in d for d in filesystem), filesystem
    assert 'matcher fstype!="" -> "changed" in a{fstype!=""}' in descriptions(rule('a{fstype!=""} / b < 0.1'))
    assert 'matcher code=~"5.." dropped in a{handler!~"/proxy.*", code=~"5.."}' in ratio  # the other side lacks it
    # ... and across group_left, the label among the matching ones (kube-prometheus' failed / all notifications)
    grouped = descriptions(rule('rate(f_total{job="am"}[5m]) / ignoring (reason) group_left rate(n_total{job="am"}[5m]) > 0.01'))
    assert not any('job="am" dropped' in d for d in grouped)
    assert any('job="am" dropped' in d for d in descriptions(
        rule('rate(f_total{job="am"}[5m]) / ignoring (job, reason) group_left rate(n_total{job="am"}[5m]) > 0.01')))
    # ... not where an aggregation merges the series it lets in with those it did not
    merged = descriptions(rule('sum by (job) (a{handler!~"/proxy.*"}) / sum by (job) (b{handler!~"/proxy.*"}) > 50'))
    assert 'matcher handler!~"/proxy.*" dropped in a{handler!~"/proxy.*"}' in merged
    # ... but not where the match ignores that label
    ignoring = descriptions(rule('a{job="api"} / ignoring (job) b{job="api"} > 0.9'))
    assert 'matcher job="api" dropped in a{job="api"}' in ignoring


def test_a_mutant_changes_only_its_own_node_of_a_nested_expression():
    r = rule('(1 - avg by (instance) (rate(cpu{mode="idle"}[5m]))) > 0.9 and on (instance) up{job="node"} == 1')
    for m in mutants(r):
        if m.kind == "threshold" and "0.9 ->" in m.description:
            assert m.expr.count("0.9") == 0 and "== 1" in m.expr and 'mode="idle"' in m.expr


@needs_promtool
def test_a_weak_test_shows_its_survivors(tmp_path):
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "weak-test.yml").write_text(WEAK_TEST)
    result = run([tmp_path / "rules.yml"], [tmp_path / "weak-test.yml"])
    survivors = {v.mutant.description for v in result.verdicts if not v.killed}
    assert "threshold 0.05 -> 0.5" in survivors
    assert 'matcher status=~"5.." dropped in http_requests_total{job="api", status=~"5.."}' in survivors
    assert {"for 5m -> 10m", "for 5m -> 0s"} <= survivors  # it never checks when the alert starts firing
    killed = {v.mutant.description for v in result.verdicts if v.killed}
    assert {"label severity=warning -> warning-changed", "comparison > -> <"} <= killed
    assert 0 < result.score < 1


NAMESAKES = """
groups:
  - name: a
    rules:
      - alert: Dup
        expr: x > 5
  - name: b
    rules:
      - alert: Dup
        expr: y > 3
      - alert: Lonely
        expr: z > 1
"""


@needs_promtool
def test_rules_sharing_a_name_are_scored_apart_and_the_score_line_counts_rules_without_a_test(tmp_path):
    from monsuite.generate.generator import generate, rendered_unit_tests
    from monsuite.mutate.report import lines

    rules = tmp_path / "rules.yml"
    rules.write_text(NAMESAKES.replace("      - alert: Lonely\n        expr: z > 1\n", ""))
    [(tests, text)] = rendered_unit_tests(generate([rules]), tmp_path / "tests.yml").items()
    tests.write_text(text)
    rules.write_text(NAMESAKES)
    said = lines(run([rules], [tests]))
    assert any(line.endswith("Dup (group a, rule 1 of that name)") for line in said)
    assert any(line.endswith("Dup (group b, rule 2 of that name)") for line in said)
    assert said[-1].endswith("1 of 3 alert rules have no test (their mutants count as survived)")
    assert "  no test checks: Lonely" in said


@needs_promtool
def test_the_command_writes_json_and_html_and_fails_below_the_minimum_score(tmp_path):
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "weak-test.yml").write_text(WEAK_TEST)
    proc = subprocess.run([sys.executable, "-m", "monsuite", "rules", "mutate", "--rules", str(tmp_path / "rules.yml"),
                           "--tests", str(tmp_path / "weak-test.yml"), "--min-score", "0.9",
                           "--json", str(tmp_path / "m.json"), "--html", str(tmp_path / "m.html")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "survivor: threshold 0.05 -> 0.5 not detected by any test" in proc.stdout
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["rules"][0]["alert"] == "HighErrorRate" and data["killed"] < data["mutants"]
    assert "threshold 0.05 -&gt; 0.5" in (tmp_path / "m.html").read_text()


@needs_promtool
def test_tests_that_fail_on_the_unmodified_rules_are_refused(tmp_path):
    (tmp_path / "rules.yml").write_text(RULES.replace("> 0.05", "> 2"))
    (tmp_path / "weak-test.yml").write_text(WEAK_TEST)
    proc = subprocess.run([sys.executable, "-m", "monsuite", "rules", "mutate", "--rules", str(tmp_path / "rules.yml"),
                           "--tests", str(tmp_path / "weak-test.yml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "fail on the unmodified rules" in proc.stderr


def test_a_test_file_promtool_cannot_finish_in_time_is_named_not_a_traceback(tmp_path, monkeypatch):
    from monsuite.errors import UserError
    from monsuite.mutate import runner

    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "weak-test.yml").write_text(WEAK_TEST)
    monkeypatch.setattr(runner, "TIMEOUT_SECONDS", 0.001)
    with pytest.raises(UserError, match="weak-test.yml: promtool took over"):
        run([tmp_path / "rules.yml"], [tmp_path / "weak-test.yml"])


@needs_promtool
def test_the_default_stacks_tests_reach_a_mutation_score_of_at_least_90_percent(tmp_path, record_measurement):
    from monsuite.alerts.scenarios import load_for_stack
    from monsuite.manifest import load_manifest
    from monsuite.rules.model import expand
    from monsuite.alerts.unitgen import build_tests, write_tests

    manifest = load_manifest("default")
    scenarios, rules = load_for_stack(manifest)
    rule_files = expand(manifest.directory, list(manifest.rule_files))
    own = write_tests(tmp_path / "scenario-test.yml", build_tests([s for s in scenarios if s.unit], rules, rule_files))
    generated = shipped_stack("default") / "rule-tests" / "generated-test.yml"
    result = run(rule_files, [own, generated])
    record_measurement("mutation_score", round(result.score, 4))
    record_measurement("mutants", len(result.verdicts))
    survivors = [v.mutant.description for v in result.verdicts if not v.killed]
    assert result.score >= 0.9, survivors


def test_routing_mutants_swap_receivers_and_flip_continue_except_after_the_last_child():
    from monsuite.mutate.routes import route_mutants

    config = {"route": {"receiver": "email", "routes": [
        {"receiver": "pager", "matchers": ['severity="critical"'], "continue": True},
        {"receiver": "slack", "matchers": ['severity="warning"']}]},
        "receivers": [{"name": "email"}, {"name": "pager"}, {"name": "slack"}]}
    made = dict(route_mutants(config))
    assert set(made) == {"root route: receiver email -> pager", 'route 0 (severity="critical"): receiver pager -> slack',
                         'route 0 (severity="critical"): continue True -> False', 'route 1 (severity="warning"): receiver slack -> email'}
    assert made['route 0 (severity="critical"): continue True -> False']["route"]["routes"][0]["continue"] is False
    assert config["route"]["routes"][0]["continue"] is True  # the original is untouched


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool (Debian package prometheus-alertmanager) is not installed")
def test_the_default_stacks_routing_cases_kill_its_routing_mutants():
    from monsuite.mutate.routes import run_route_mutants

    stack = shipped_stack("default")
    verdicts = run_route_mutants(stack / "alertmanager.yml.j2", stack / "routes.yaml")
    survivors = [v.description for v in verdicts if not v.killed]
    # the only survivor: `continue` on the warning route, whose one later sibling matches info alerts only
    assert survivors == ['route 6 (severity="warning"): continue False -> True'], survivors


@needs_reference
def test_every_alert_rule_of_the_reference_files_yields_mutants_that_parse():
    from monsuite.rules.model import load_rules

    files = [awesome_rules(name) for name in sorted(AWESOME_RULES)] + [Path(__file__).parent / "data" / "rules" / "seed-003-alerts.yml"]
    made = [m for f in files for r in load_rules(f) if r.alert for m in mutants(r)]
    assert len(made) > 500
    for m in made:
        pp.parse(m.expr)
        if m.kind not in ("for", "label"):
            assert str(pp.parse(m.expr)) != str(pp.parse(m.rule.expr)), m.description


def test_timing_mutants_multiply_each_group_wait():
    from monsuite.mutate.live import timing_mutants

    config = {"route": {"receiver": "a", "group_wait": "10s", "routes": [{"receiver": "b", "group_wait": "500ms"},
                                                                          {"receiver": "c"}]}}
    made = {m.description: m for m in timing_mutants(config)}
    assert set(made) == {"root route: group_wait 10s -> 1m40s", "route 0: group_wait 500ms -> 5s"}
    assert made["route 0: group_wait 500ms -> 5s"].config["route"]["routes"][0]["group_wait"] == "5s"
    assert made["route 0: group_wait 500ms -> 5s"].added_ms == 4500


def test_a_live_mutant_the_campaign_may_have_excused_is_undecided_not_survived():
    from monsuite.mutate.live import TimingMutant, judged

    mutant = TimingMutant("root route: group_wait 167ms -> 1s670ms", {}, 1503)
    assert judged(mutant, ["HighErrorRate"], 5000).killed
    quiet = judged(mutant, [], 400)
    assert not quiet.killed and not quiet.undecided  # survived: nothing excused as much as it adds
    busy = judged(mutant, [], 1600)
    assert not busy.killed and "1600 ms" in busy.undecided and "1503 ms" in busy.undecided


@pytest.mark.live
@needs_promtool
def test_a_live_run_kills_a_tenfold_group_wait_on_the_minimal_stack(tmp_path):
    assert _unit_test(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "monsuite", "rules", "mutate",
                           "--rules", str(shipped_stack("minimal") / "rules" / "service.yml"),
                           "--tests", str(tmp_path / "t.yml"), "--live", "--stack", "minimal",
                           "--json", str(tmp_path / "m.json")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    live = json.loads((tmp_path / "m.json").read_text())["live"]
    # killed; on a machine so busy that every try excused as much as the mutant adds, undecided (never survived)
    assert live["mutants"] == 1 and live["killed"] + len(live["undecided"]) == 1, live
    assert not live["survivors"], live
    # the ci profile renders the 10s group_wait as 167ms
    assert live["verdicts"][0]["mutant"] == "root route: group_wait 167ms -> 1s670ms"


def _unit_test(directory: Path) -> bool:
    """A promtool test of the minimal stack's rule, generated, so that the command has tests to run."""
    rules = shipped_stack("minimal") / "rules" / "service.yml"
    proc = subprocess.run([sys.executable, "-m", "monsuite", "scenarios", "generate", "--rules", str(rules),
                           "--tests", str(directory / "t.yml")], capture_output=True, text=True, timeout=300)
    return proc.returncode == 0


INCONSISTENT_HASHES = """
groups:
  - name: config
    rules:
      - alert: ConfigInconsistent
        expr: count by (namespace) (count_values by (namespace) ("hash", config_hash{job="am", container="am"})) != 1
        labels: {severity: critical}
"""


@needs_promtool
def test_a_decoy_of_a_rule_that_fires_through_a_second_instance_takes_that_instances_value(tmp_path):
    """The main series holds one hash in both phases; the rule fires when a second instance differs. A decoy
    (job="am-other") mirroring the main series would hold that same hash and leave a dropped job matcher
    unseen: it takes the second instance's value of the other phase instead."""
    from monsuite.generate.generator import generate, rendered_unit_tests

    rules = tmp_path / "rules.yml"
    rules.write_text(INCONSISTENT_HASHES)
    tests = tmp_path / "tests.yml"
    for path, text in rendered_unit_tests(generate([rules]), tests).items():
        path.write_text(text)
    result = run([rules], [tests])
    killed = {v.mutant.description for v in result.verdicts if v.killed}
    assert {'matcher job="am" dropped in config_hash{job="am", container="am"}',
            'matcher container="am" dropped in config_hash{job="am", container="am"}'} <= killed, \
        sorted(v.mutant.description for v in result.verdicts if not v.killed)
