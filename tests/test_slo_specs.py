"""SLO specs read into one model, and the rules generated from them pass promtool and their own tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from monsuite.paths import shipped_stack
from monsuite.slo.burn import PAIRS
from monsuite.slo.rules import alert_rule_file, unit_tests, write_and_test
from monsuite.slo.spec import load_specs
from tests.test_slo_report import OPENSLO, SLOTH

DAY_MS = 86_400_000


def specs(tmp_path: Path):
    (tmp_path / "sloth.yaml").write_text(SLOTH)
    (tmp_path / "openslo.yaml").write_text(OPENSLO)
    return load_specs(tmp_path / "sloth.yaml") + load_specs(tmp_path / "openslo.yaml")


def test_both_formats_read_into_one_model(tmp_path):
    sloth, ratio, threshold = specs(tmp_path)
    assert (sloth.key, sloth.objective, sloth.kind, sloth.window_ms) == ("demo/availability", 0.999, "ratio", 30 * DAY_MS)
    assert sloth.error_ratio("1h") == ('(((sum(rate(demo_requests_total{code=~"5.."}[1h]))) or on() vector(0))'
                                       ' / (sum(rate(demo_requests_total[1h]))))')
    assert (ratio.key, ratio.objective) == ("demo/strict-availability", 0.9996)
    assert 'increase(demo_requests_total{code="200"}[2h])' in ratio.error_ratio("2h")
    assert threshold.kind == "threshold" and threshold.time_slice_ms == 60_000
    assert threshold.error_ratio("1d") == "(1 - avg_over_time(((demo_latency_p95_seconds) <= bool 0.5)[1d:60s]))"


def test_the_workbook_factors_for_a_30_day_period():
    assert [p.factor(30 * DAY_MS) for p in PAIRS] == [14.4, 6.0, 3.0, 1.0]
    assert PAIRS[0].factor(7 * DAY_MS) == pytest.approx(3.36)


def test_generated_rules_pass_promtool_and_their_tests(tmp_path):
    slos = specs(tmp_path) + load_specs(shipped_stack("default") / "slo.yaml")
    for done in write_and_test(slos, tmp_path):
        assert done.returncode == 0, done.stdout + done.stderr
    written = yaml.safe_load((tmp_path / "slo-alert-rules.test.yml").read_text())["tests"]
    prometheus_slos = [s for s in slos if s.kind != "conformance"]
    assert len(written) == 3 * len(prometheus_slos)  # fast burn, slow burn, within budget per SLO
    fast, slow, quiet = written[:3]
    severities = lambda check: sorted(a["exp_labels"]["severity"] for a in check["exp_alerts"])  # noqa: E731
    assert [(c["eval_time"], severities(c)) for c in fast["alert_rule_test"]] == \
        [("30m", []), ("50m", ["page"]), ("190m", ["page"]), ("210m", ["page", "ticket"])]  # 14.4 / 21.6 h = 40 min
    assert [(c["eval_time"], severities(c)) for c in slow["alert_rule_test"]] == \
        [("1225m", []), ("1245m", ["ticket"])]  # a ticket only, after 3 / 3.5 of a day (20.6 h)
    assert [severities(c) for c in quiet["alert_rule_test"]] == [[]]


def test_a_wrong_burn_threshold_fails_the_generated_tests(tmp_path, monkeypatch):
    from dataclasses import replace

    from monsuite.slo import rules

    slos = specs(tmp_path)[:1]
    (tmp_path / "slo-rules.test.yml").write_text(unit_tests(slos, "slo-rules.yml"))
    # the rules as they would be with page factors 10x too high: the fast burn no longer pages
    wrong = tuple(replace(p, budget_fraction=p.budget_fraction * 10) if p.severity == "page" else p for p in PAIRS)
    monkeypatch.setattr(rules, "PAIRS", wrong)
    (tmp_path / "slo-rules.yml").write_text(alert_rule_file(slos))
    tests = subprocess.run(["promtool", "test", "rules", "slo-rules.test.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert tests.returncode != 0 and "fast burn" in tests.stdout + tests.stderr
