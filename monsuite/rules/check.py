"""`monsuite rules check`: promtool's own check of rule files, plus, against a live Prometheus, that
every metric an expression selects exists there and carries the labels its matchers and its
`by`/`on` clauses use (read from the PromQL AST)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.clients.prometheus import PrometheusClient
from monsuite.rules.model import load_rules
from monsuite.rules.references import groupings, selectors


@dataclass(frozen=True)
class Finding:
    file: str
    rule: str
    problem: str


@dataclass
class CheckReport:
    promtool: dict[str, tuple[bool, str]] = field(default_factory=dict)  # file -> (ok, what promtool said)
    findings: list[Finding] = field(default_factory=list)
    checked_live: bool = False
    live_rules: int = 0  # rules whose expressions were checked against Prometheus

    @property
    def ok(self) -> bool:
        return all(ok for ok, _ in self.promtool.values()) and not self.findings

    def lines(self) -> list[str]:
        lines = []
        for path, (ok, said) in self.promtool.items():
            verdict = ("LINT" if LINT_FINDING in said else "OK") if ok else "FAILED"  # promtool's lint does not fail
            lines.append(f"{verdict:<7} {path}: {said}")
        for finding in self.findings:
            lines.append(f"MISSING {finding.file}: {finding.rule}: {finding.problem}")
        if self.checked_live and not self.live_rules:
            lines.append("nothing checked against Prometheus: no file passed promtool")
        elif self.checked_live and not self.findings:
            lines.append(f"{self.live_rules} rules: every metric and label their expressions use exists in Prometheus")
        return lines


LINT_FINDING = "lint error"  # what promtool check rules prints for a lint finding, exit status 0


def promtool_check(paths: list[Path]) -> dict[str, tuple[bool, str]]:
    results = {}
    for path in paths:
        proc = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=120)
        said = []  # promtool says a failure twice ("FAILED: path: problem", then "path: problem"): once is enough
        for line in (proc.stdout + proc.stderr).splitlines():
            line = line.strip().removeprefix("FAILED:").strip().removeprefix(f"{path}:").strip()
            if line and not line.startswith("Checking ") and line not in said:
                said.append(line)
        text = " ".join(said)
        text = re.sub(r"\s+", " ", text)
        results[str(path)] = (proc.returncode == 0, text[:500])
    return results


class LabelIndex:
    """Label names per metric, as the live Prometheus has them."""

    def __init__(self, url: str):
        self.client = PrometheusClient(url, timeout=10)
        self._cache: dict[str, set[str]] = {}

    def labels_of(self, metric: str) -> set[str]:
        if metric not in self._cache:
            self._cache[metric] = set(self.client._get("/api/v1/labels", **{"match[]": metric}) or [])
        return self._cache[metric]


def check_files(paths: list[Path], prometheus_url: str | None = None, simulated: frozenset[str] = frozenset()) -> CheckReport:
    """promtool check rules; with a Prometheus, every selected metric and label exists there. `simulated`:
    metrics the stack's scenarios push while no component of the stack exports them (absent otherwise)."""
    report = CheckReport(promtool=promtool_check(paths))
    if not prometheus_url:
        return report
    report.checked_live = True
    index = LabelIndex(prometheus_url)
    readable = [p for p in paths if report.promtool[str(p)][0]]
    rules = [rule for path in readable for rule in load_rules(path)]
    recorded = {rule.record for rule in rules if rule.record} | {"ALERTS", "ALERTS_FOR_STATE"}
    report.live_rules = len(rules)
    for rule in rules:
        report.findings += _rule_findings(rule, index, recorded, simulated)
    return report


def _rule_findings(rule, index: LabelIndex, recorded: set[str], simulated: frozenset[str] = frozenset()) -> list[Finding]:
    name = rule.alert or rule.record
    found = []
    for selector in selectors(rule.expr):
        if selector.metric is None or selector.metric in recorded:
            continue
        labels = index.labels_of(selector.metric)
        if not labels and selector.metric in simulated:
            continue
        if not labels:
            found.append(Finding(rule.file, name, f"metric {selector.metric} has no series in Prometheus"))
            continue
        for label, op, value in selector.matchers:
            if label not in labels and not _matches_empty(op, value):
                found.append(Finding(rule.file, name, f"label {label} (in {label}{op}\"{value}\") is not on {selector.metric}"))
    for grouping in groupings(rule.expr):
        metrics = [m for m in grouping.metrics if m not in recorded]
        if not metrics or len(metrics) != len(grouping.metrics):
            continue  # a recorded metric's labels come from its rule; not checked here
        present = set().union(*(index.labels_of(m) for m in metrics))
        if not present:
            continue  # the missing metric is already reported
        for label in grouping.labels:
            if label not in present:
                found.append(Finding(rule.file, name, f"{grouping.clause} ({label}): no series of {', '.join(metrics)} has label {label}"))
    return found


def _matches_empty(op: str, value: str) -> bool:
    """A matcher that an absent label satisfies (label="" or label!="x") is not a reference to it."""
    if op == "=":
        return value == ""
    if op == "!=":
        return value != ""
    if op == "=~":
        return re.fullmatch(value, "") is not None
    return re.fullmatch(value, "") is None
