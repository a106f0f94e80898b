"""Example alerts: for each alerting rule, one alert as Prometheus would send it, with the labels a series
gives it and its annotations as Prometheus renders them.

They come from the promtool tests beside the rules (each `exp_alerts` entry was checked by promtool's rule
engine, so its annotations are the rendered ones) and, for a rule no test shows firing, from the test
generator, which asks promtool itself what the rule fires with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from monsuite.rules.model import Rule, load_rules
from monsuite.rules.unittests import PROMTOOL_FIELDS
from monsuite.userio.inputs import read_yaml, refuse_unknown_keys

# Where the alerts say Prometheus is: fixed, so a rendered generatorURL is the same on every run.
PROMETHEUS_URL = "http://127.0.0.1:9090"


@dataclass(frozen=True)
class ExampleAlert:
    labels: dict
    annotations: dict
    rule: Rule
    source: str  # where the example was read: "<test file>: <test name>" or "generated"

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def generator_url(self) -> str:
        """The link Prometheus gives an alert: its expression in the graph page."""
        return f"{PROMETHEUS_URL}/graph?g0.expr={quote(self.rule.expr, safe='')}&g0.tab=1"


@dataclass
class Examples:
    alerts: list[ExampleAlert]
    missing: list[tuple[Rule, str]] = field(default_factory=list)  # rules without an example, and why


def from_tests(test_files: list[Path]) -> list[tuple[dict, dict, str]]:
    """(labels, annotations, source) of every alert the promtool test files expect to fire."""
    found = []
    for path in test_files:
        data = read_yaml(path, "promtool test file", strict=False)
        refuse_unknown_keys(data, PROMTOOL_FIELDS["unitTestFile"], path)
        for test in data.get("tests") or []:
            for check in (test or {}).get("alert_rule_test") or []:
                alertname = (check or {}).get("alertname")
                for expected in check.get("exp_alerts") or []:
                    labels = {"alertname": alertname, **{k: str(v) for k, v in (expected.get("exp_labels") or {}).items()}}
                    annotations = {k: str(v) for k, v in (expected.get("exp_annotations") or {}).items()}
                    found.append((labels, annotations, f"{path.name}: {test.get('name') or 'unnamed test'}"))
    return found


def _static_labels(rule: Rule) -> dict:
    return {k: str(v) for k, v in rule.labels.items() if "{{" not in str(v)}


def _fits(rule: Rule, labels: dict) -> bool:
    return labels.get("alertname") == rule.alert and all(labels.get(k) == v for k, v in _static_labels(rule).items())


def collect(rule_files: list[Path], test_files: list[Path], generate_missing: bool = True) -> Examples:
    rules = [r for path in rule_files for r in load_rules(path) if r.alert]
    tested = from_tests(test_files)
    alerts: list[ExampleAlert] = []
    lacking: list[Rule] = []
    for rule in rules:
        match = next(((labels, annotations, source) for labels, annotations, source in tested if _fits(rule, labels)), None)
        if match is None:
            lacking.append(rule)
        else:
            alerts.append(ExampleAlert(match[0], match[1], rule, match[2]))
    missing: list[tuple[Rule, str]] = []
    if lacking and generate_missing:
        alerts_generated, missing = _generated(rule_files, lacking)
        alerts += alerts_generated
    elif lacking:
        missing = [(rule, "no promtool test shows it firing") for rule in lacking]
    return Examples(_distinct(alerts), missing)


def _generated(rule_files: list[Path], lacking: list[Rule]) -> tuple[list[ExampleAlert], list[tuple[Rule, str]]]:
    from monsuite.generate.generator import generate

    outcome = generate(rule_files)
    by_rule = {}
    for made in outcome.generated:
        if not made.via:
            by_rule.setdefault((made.rule.file, made.rule.group, made.rule.alert, made.rule.expr), made)
    alerts, missing = [], []
    reasons = {(r.file, r.group, r.alert, r.expr): why for r, why in outcome.unsupported}
    for rule in lacking:
        key = (rule.file, rule.group, rule.alert, rule.expr)
        made = by_rule.get(key)
        if made is not None and made.alerts:
            entry = made.alerts[0]
            labels = {"alertname": rule.alert, **{k: str(v) for k, v in entry.labels.items()}}
            alerts.append(ExampleAlert(labels, dict(entry.annotations), rule, "generated"))
        else:
            missing.append((rule, "no promtool test shows it firing, and the generator found no firing input: "
                            + reasons.get(key, "see `monsuite scenarios generate`")))
    return alerts, missing


def _distinct(alerts: list[ExampleAlert]) -> list[ExampleAlert]:
    seen, kept = set(), []
    for alert in alerts:
        key = tuple(sorted(alert.labels.items()))
        if key not in seen:
            seen.add(key)
            kept.append(alert)
    return kept
