"""The promtool unit tests generated from the default stack's scenarios pass on the unscaled rules,
and they can fail: a wrong expectation is caught by promtool."""

from pathlib import Path

import pytest

from monsuite.alerts.scenarios import load_for_stack
from monsuite.manifest import load_manifest
from monsuite.rules.model import expand
from monsuite.alerts.unitgen import build_tests, run_promtool, write_tests

DEFAULT = Path(__file__).resolve().parent.parent / "stacks" / "default"


@pytest.fixture(scope="module")
def generated():
    manifest = load_manifest(DEFAULT)
    scenarios, rules = load_for_stack(manifest)
    return build_tests(scenarios, rules, expand(manifest.directory, list(manifest.rule_files))), rules


def test_every_alert_rule_gets_a_generated_test_with_a_not_yet_firing_check(generated):
    tests, rules = generated
    tested = {check["alertname"] for t in tests["tests"] for check in t["alert_rule_test"]}
    assert tested == set(rules)
    for test in tests["tests"]:
        checks = test["alert_rule_test"]
        assert checks[0]["exp_alerts"] == [] and checks[-1]["exp_alerts"], test["name"]


def test_promtool_passes_the_generated_tests_on_the_unscaled_rules(generated, tmp_path):
    tests, _ = generated
    result = run_promtool(write_tests(tmp_path / "generated_test.yml", tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_expectation_makes_promtool_fail(generated, tmp_path):
    tests, _ = generated
    broken = {**tests, "tests": [dict(tests["tests"][0])]}
    check = broken["tests"][0]["alert_rule_test"][-1]
    check["exp_alerts"] = [{**check["exp_alerts"][0], "exp_labels": {**check["exp_alerts"][0]["exp_labels"], "severity": "info"}}]
    result = run_promtool(write_tests(tmp_path / "broken_test.yml", broken))
    assert result.returncode != 0
