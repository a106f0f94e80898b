"""`monsuite metrics check`: every metric and label the stack's rules and dashboards refer to exists in
Prometheus, is used as its type allows (rate() on counters, histogram_quantile on histogram buckets),
and every scrape target's exposition passes `promtool check metrics`."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


from monsuite.clients.http import ServiceError
from monsuite.clients.prometheus import PrometheusClient
from monsuite.clients.target import ScrapeTarget
from monsuite.dashboards.model import load_dashboard
from monsuite.rules.check import LabelIndex, _rule_findings
from monsuite.rules.model import Rule, load_rules
from monsuite.rules.references import COUNTER_FUNCTIONS, typed_uses

VARIABLE = re.compile(r"\$\{?(__\w+|\w+)(?::\w+)?\}?|\[\[\w+(?::\w+)?\]\]")
DURATION_VARIABLES = ("__interval", "__rate_interval", "__range", "__auto")


@dataclass(frozen=True)
class Reference:
    file: str
    name: str  # rule name or "panel <id> <title>"
    expr: str


@dataclass
class MetricsReport:
    findings: list[str] = field(default_factory=list)
    lint: dict[str, list[str]] = field(default_factory=dict)  # target -> promtool check metrics findings
    references: int = 0

    def ok(self, strict_lint: bool = False) -> bool:
        return not self.findings and not (strict_lint and any(self.lint.values()))

    def lines(self, verbose: bool = False) -> list[str]:
        lines = [f"{self.references} expressions of rules and dashboards checked"]
        lines += [f"MISSING {f}" for f in self.findings]
        if not self.findings:
            lines.append("every referenced metric and label exists, used as its type allows")
        for target, problems in sorted(self.lint.items()):
            lines.append(f"LINT    {target}: {'clean' if not problems else f'{len(problems)} findings'}")
            lines += [f"          {problem}" for problem in (problems if verbose else problems[:3])]
            if problems and not verbose and len(problems) > 3:
                lines.append(f"          ... {len(problems) - 3} more (--verbose)")
        return lines


def dashboard_expressions(path: Path) -> list[Reference]:
    """Panel expressions with their variables replaced so they parse (values do not matter here)."""
    def placeholder(match):
        name = match.group(1) or ""
        return "1m" if name in DURATION_VARIABLES else "placeholder"

    dashboard = load_dashboard(path)
    return [Reference(str(path), f"panel {panel.id} {panel.title!r}", VARIABLE.sub(placeholder, target.expr))
            for panel, target in dashboard.prometheus_queries()]


def check(rule_files: list[Path], dashboards: list[Path], prometheus_url: str, lint: bool = True,
          simulated: frozenset[str] = frozenset()) -> MetricsReport:
    """`simulated`: metrics only the stack's scenarios push (no component exports them): absent is fine."""
    report = MetricsReport()
    rules = [rule for path in rule_files for rule in load_rules(path)]
    # ALERTS and ALERTS_FOR_STATE are written by Prometheus itself while alerts are active
    recorded = {rule.record for rule in rules if rule.record} | {"ALERTS", "ALERTS_FOR_STATE"}
    references = [Reference(r.file, r.alert or r.record, r.expr) for r in rules]
    for path in dashboards:
        references += dashboard_expressions(path)
    report.references = len(references)
    index = LabelIndex(prometheus_url)
    types = metric_types(prometheus_url)
    for ref in references:
        rule = Rule(file=ref.file, group="", group_interval_ms=None, expr=ref.expr, alert=ref.name)
        try:
            findings = _rule_findings(rule, index, recorded, simulated)
            findings_types = _type_findings(ref, types, recorded)
        except Exception as exc:  # noqa: BLE001 - an expression that does not parse is itself a finding
            report.findings.append(f"{ref.file}: {ref.name}: cannot check {ref.expr!r}: {exc}")
            continue
        report.findings += [f"{f.file}: {f.rule}: {f.problem}" for f in findings] + findings_types
    if lint:
        report.lint = lint_targets(prometheus_url)
    return report


def metric_types(prometheus_url: str) -> dict[str, str]:
    metadata = PrometheusClient(prometheus_url, timeout=10)._get("/api/v1/metadata")
    return {name: entries[0].get("type", "") for name, entries in metadata.items() if entries}


def _type_findings(ref: Reference, types: dict[str, str], recorded: set[str]) -> list[str]:
    found = []
    for use in typed_uses(ref.expr):
        for metric in use.metrics:
            if metric in recorded:
                continue
            if use.function in COUNTER_FUNCTIONS:
                kind = types.get(metric) or types.get(re.sub(r"_(total|count|sum|bucket)$", "", metric))
                if kind in ("gauge",):
                    found.append(f"{ref.file}: {ref.name}: {use.function}() on {metric}, a gauge")
            elif use.function == "histogram_quantile":
                base = re.sub(r"_bucket$", "", metric)
                if not metric.endswith("_bucket") or types.get(base) not in (None, "", "histogram"):
                    found.append(f"{ref.file}: {ref.name}: histogram_quantile() on {metric}, not a histogram's _bucket")
    return found


def lint_targets(prometheus_url: str) -> dict[str, list[str]]:
    """promtool check metrics on what every scrape target exposes (the same URL Prometheus scrapes)."""
    results = {}
    for target in PrometheusClient(prometheus_url).targets():
        if parse_qs(urlsplit(target.scrape_url).query).get("target"):  # a probe's result, not an exposition
            continue
        try:
            body = ScrapeTarget(target.scrape_url).exposition()
        except ServiceError as exc:
            results[f"{target.job} {target.instance}"] = [f"cannot fetch {target.scrape_url}: {exc}"]
            continue
        proc = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True, timeout=60)
        problems = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        results[f"{target.job} {target.instance}"] = problems
    return results
