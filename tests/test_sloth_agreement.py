"""`monsuite slo rules` agrees with Sloth (built from its Go module) on the same Sloth spec: the same SLI
windows recorded, the same multi-window burn-rate conditions (window pairs, factors, error budget) per
alert severity, both read from the generated rules' PromQL ASTs."""

from __future__ import annotations

import subprocess

import promql_parser
import pytest
import yaml

from monsuite.cli import main
from monsuite.components.build import binary
from tests.test_slo_report import SLOTH

RECORDED = "slo:sli_error:ratio_rate"


@pytest.fixture(scope="module")
def sloth() -> str:
    path = binary("sloth")
    if path is None:
        pytest.skip("Sloth is not built: run `monsuite components build sloth` (Go and the module proxy)")
    return path


def conditions(expr: str) -> set[tuple[str, float, float]]:
    """(window, factor, budget) of each `<recorded error ratio over window> > (factor * budget)` in ``expr``."""
    found = set()

    def visit(node):
        if isinstance(node, promql_parser.BinaryExpr) and str(node.op) == ">" and _window(node.lhs):
            factor, budget = _product(node.rhs)
            found.add((_window(node.lhs), round(factor, 6), round(budget, 9)))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def _window(node) -> str | None:
    names = []

    def visit(inner):
        if isinstance(inner, promql_parser.VectorSelector) and (inner.name or "").startswith(RECORDED):
            names.append(inner.name[len(RECORDED):])
        return True

    promql_parser.walk(node, visit)
    return names[0] if len(names) == 1 else None


def _product(node) -> tuple[float, float]:
    numbers = []

    def visit(inner):
        if isinstance(inner, promql_parser.NumberLiteral):
            numbers.append(inner.val)
        return True

    promql_parser.walk(node, visit)
    factor, budget = numbers
    return factor, budget


def rules_of(path) -> list[dict]:
    return [rule for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]


def by_severity(rules: list[dict]) -> dict[str, set]:
    return {rule["labels"]["severity"]: conditions(rule["expr"]) for rule in rules if "alert" in rule}


def test_slo_rules_and_sloth_agree_on_windows_factors_and_budget(sloth, tmp_path):
    spec = tmp_path / "spec.yml"
    spec.write_text(SLOTH.replace("      name: DemoAvailabilityBurn",
                                  "      name: DemoAvailabilityBurn\n      page_alert: {labels: {severity: page}}\n"
                                  "      ticket_alert: {labels: {severity: ticket}}"))
    done = subprocess.run([sloth, "generate", "-i", str(spec), "-o", str(tmp_path / "sloth.yml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert main(["slo", "rules", "--spec", str(spec), "--out", str(tmp_path / "ours")]) == 0
    theirs = rules_of(tmp_path / "sloth.yml")
    ours = rules_of(tmp_path / "ours" / "slo-sli-rules.yml") + rules_of(tmp_path / "ours" / "slo-alert-rules.yml")
    expected = {"page": {("5m", 14.4, 0.001), ("1h", 14.4, 0.001), ("30m", 6.0, 0.001), ("6h", 6.0, 0.001)},
                "ticket": {("2h", 3.0, 0.001), ("1d", 3.0, 0.001), ("6h", 1.0, 0.001), ("3d", 1.0, 0.001)}}
    assert by_severity(theirs) == expected  # Sloth's own rules, read the same way: the reading is right
    assert by_severity(ours) == by_severity(theirs)
    windows = lambda rules: {r["record"][len(RECORDED):] for r in rules if r.get("record", "").startswith(RECORDED)}  # noqa: E731
    used = {w for conditions_ in expected.values() for w, _, _ in conditions_}
    assert used <= windows(ours) and used <= windows(theirs)
