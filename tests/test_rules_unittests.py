"""`monsuite rules test` agrees with promtool 2.42 and 3.16 on Prometheus' own promtool test files (read in
place from the reference configs; the expected verdicts are each promtool's) and explains failures readably."""

import subprocess
import sys
from pathlib import Path

import pytest

from monsuite.components.build import binary
from monsuite.rules.unittests import run_file

from tests.reference_configs import PROMTOOL_TESTDATA, PROMTOOL_TESTDATA_V242, needs_reference, reference

TESTDATA = reference(PROMTOOL_TESTDATA)
V242 = reference(PROMTOOL_TESTDATA_V242)

EXPECTED = {
    TESTDATA / "long-period.yml": "passed",
    TESTDATA / "at-modifier-test.yml": "passed",
    TESTDATA / "negative-offset-test.yml": "passed",
    V242 / "unittest.yml": "passed",
    TESTDATA / "failing.yml": "failed",
    TESTDATA / "bad-promql.yml": "failed",
    TESTDATA / "rules_run.yml": "failed",
    TESTDATA / "no-test-group-interval.yml": "failed",
    TESTDATA / "bad-rules-error-test.yml": "error",
    TESTDATA / "bad-rules-syntax-test.yml": "error",
    TESTDATA / "bad-input-series.yml": "error",
    TESTDATA / "unittest.yml": "unsupported",
    TESTDATA / "start-time-test.yml": "unsupported",
    TESTDATA / "rules_run_fuzzy.yml": "unsupported",
    TESTDATA / "rules_run_no_fuzzy.yml": "unsupported",
    TESTDATA / "rules_run_extrafields.yml": "unsupported",
}


# promtool 3.16's verdicts where they differ from 2.42's: it knows native histograms, start_timestamp and
# fuzzy_compare (a file mixing a passing and a deliberately failing test fails as a whole), defaults a test
# group's interval, and reads range selectors left-open, so 2.42's own unittest.yml (count_over_time of 61
# samples in 1m) fails under it, as upstream changed that file for 3.0.
EXPECTED_CURRENT = {**EXPECTED, TESTDATA / "unittest.yml": "passed", TESTDATA / "start-time-test.yml": "passed",
                    TESTDATA / "no-test-group-interval.yml": "passed", TESTDATA / "rules_run_fuzzy.yml": "failed",
                    TESTDATA / "rules_run_no_fuzzy.yml": "failed", V242 / "unittest.yml": "failed"}


def promtool_of(release: str) -> str:
    if release == "debian":
        return "/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else "promtool"
    built = binary("prometheus", "promtool")
    if built is None:
        pytest.skip("Prometheus 3.16's promtool is not built: run `monsuite components build prometheus`")
    return built


@needs_reference
@pytest.mark.parametrize("release, expected", [("debian", EXPECTED), ("current", EXPECTED_CURRENT)], ids=["2.42", "3.16"])
@pytest.mark.parametrize("path", sorted(EXPECTED), ids=lambda p: f"{p.parts[-5]}/{p.name}")
def test_verdicts_agree_with_promtool(path, release, expected):
    result = run_file(path, promtool=promtool_of(release))
    assert result.verdict == expected[path], result.output
    assert (result.returncode == 0) == (result.verdict == "passed")


@needs_reference
def test_a_failure_is_explained_per_alert_and_annotation():
    result = run_file(TESTDATA / "failing.yml")
    text = "\n".join(line for failure in result.failures for line in failure.explain())
    assert 'missing alert   {alertname="Test"}' in text
    assert 'unexpected alert {alertname="InstanceDown", job="test", severity="page"}' in text
    assert 'expected {__name__="test"} 1E+00' in text


@needs_reference
def test_newer_promtool_features_are_named_not_crashed_on():
    assert run_file(TESTDATA / "unittest.yml", promtool=promtool_of("debian")).unsupported_fields == ["histogram (in sample)"]
    assert run_file(TESTDATA / "rules_run_extrafields.yml", promtool=promtool_of("debian")).unsupported_fields == ["namespace (in RuleGroup)", "ownership (in RuleGroup)"]


@needs_reference
def test_rule_coverage_lists_alerts_no_test_mentions():
    assert run_file(TESTDATA / "rules_run.yml").uncovered_alerts == ["AlwaysFiring", "InstanceDown"]


@needs_reference
def test_the_cli_exit_status_follows_the_verdicts(tmp_path):
    def cli(*files):
        return subprocess.run([sys.executable, "-m", "monsuite", "rules", "test", *map(str, files)], capture_output=True, text=True)

    assert cli(TESTDATA / "long-period.yml").returncode == 0
    failing = cli(TESTDATA / "long-period.yml", TESTDATA / "failing.yml")
    assert failing.returncode == 1 and "FAILED" in failing.stdout
    missing = cli(tmp_path / "none.yml")
    assert missing.returncode == 2 and "no such promtool test file" in missing.stderr


def test_a_lint_finding_is_its_own_verdict_not_ok_and_failed_at_once(tmp_path):
    from monsuite.rules.check import check_files

    path = tmp_path / "dup.yml"
    path.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n  - alert: A\n    expr: up == 0\n")
    line = check_files([path]).lines()[0]
    assert line.startswith("LINT ") and "FAILED" not in line and "duplicate rule" in line


def test_a_test_of_no_rule_file_and_a_rule_file_given_as_a_test_are_errors_that_say_so(tmp_path):
    test = tmp_path / "t.yml"
    test.write_text("rule_files: [nope/*.yml]\ntests:\n- interval: 1m\n  input_series: []\n  alert_rule_test: []\n")
    missing = run_file(test)  # promtool 2 passes such a test silently, 3 warns twice: an error either way
    assert missing.verdict == "error" and missing.warnings == [
        "rule_files: 'nope/*.yml' matches no file next to the test file; its tests would test nothing"]
    rules = tmp_path / "rules.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    result = run_file(rules)
    assert result.verdict == "error" and any("rule file, not a unit test file" in w for w in result.warnings)
