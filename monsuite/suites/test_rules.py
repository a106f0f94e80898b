"""The stack's rules in simulated time: promtool unit tests generated from its scenarios pass on the
unscaled rules (exact `for` semantics, labels, rendered annotations, "not yet firing" before `for`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monsuite.alerts.scenarios import load_for_stack
from monsuite.manifest import load_manifest
from monsuite.rules.model import expand
from monsuite.alerts.unitgen import build_tests, run_promtool, write_tests


def test_generated_promtool_tests_pass_on_the_unscaled_rules(request):
    manifest = load_manifest(request.config.getoption("--stack"))
    scenarios, rules = load_for_stack(manifest)
    with_unit = [s for s in scenarios if s.unit]
    if not with_unit:
        pytest.skip(f"{manifest.path}: no scenario has a unit section to generate promtool tests from")
    tests = build_tests(with_unit, rules, expand(manifest.directory, list(manifest.rule_files)))
    path = write_tests(Path(request.config.getoption("--report-dir")) / "generated_promtool_test.yml", tests)
    result = run_promtool(path)
    assert result.returncode == 0, f"promtool test rules {path}:\n{result.stdout}{result.stderr}"


def test_the_stacks_own_promtool_tests_pass(request):
    """rule-tests/*.yml beside stack.yaml: e.g. `monsuite scenarios generate --tests rule-tests/generated-test.yml`."""
    from monsuite.rules.unittests import run_file

    manifest = load_manifest(request.config.getoption("--stack"))
    files = sorted((manifest.directory / "rule-tests").glob("*.yml"))
    if not files:
        pytest.skip(f"{manifest.directory}: no rule-tests/*.yml (write them with monsuite scenarios generate)")
    failed = [r for r in map(run_file, files) if r.verdict != "passed"]
    assert not failed, "\n".join(f"{r.path}: {r.verdict}\n{r.output[-1500:]}" for r in failed)


@pytest.mark.live
def test_every_metric_and_label_the_rules_use_exists_in_prometheus(stack, prometheus):
    from monsuite.alerts.scenarios import pushed_metrics
    from monsuite.rules.check import check_files

    report = check_files(stack.rule_files(), prometheus.url, simulated=pushed_metrics(stack.manifest))
    assert report.ok, "\n".join(report.lines())


@pytest.mark.live
def test_a_rule_with_a_typo_is_reported(prometheus, tmp_path):
    from monsuite.rules.check import check_files

    path = tmp_path / "broken.yml"
    path.write_text(
        "groups:\n  - name: broken\n    rules:\n"
        "      - alert: Typo\n        expr: rate(http_request_total[5m]) > 1\n"
        "      - alert: WrongLabel\n        expr: sum by (region) (rate(http_requests_total{statuscode=\"500\"}[5m])) > 1\n")
    problems = [f.problem for f in check_files([path], prometheus.url).findings]
    assert "metric http_request_total has no series in Prometheus" in problems
    assert any("label statuscode" in p for p in problems) and any("by (region)" in p for p in problems)
