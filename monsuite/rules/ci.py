"""`rules test` and `rules check` results as CI reads them: annotations on the line of the test case or
rule in the user's own file (a PrometheusRule manifest's line, not the unwrapped copy's), JUnit cases, and
alert rule coverage across the test files given."""

from __future__ import annotations

from pathlib import Path

import yaml

from monsuite.deployed.documents import documents_of
from monsuite.deployed.rules import locate, matching, rule_files
from monsuite.rules.check import CheckReport
from monsuite.rules.model import load_rules
from monsuite.userio.ciformat import Case, Finding


def test_lines(path: Path) -> dict[str, int]:
    """Test name -> its line in a promtool test file."""
    try:
        data = documents_of(Path(path), "promtool test file")[0].body
    except Exception:  # noqa: BLE001 - a file promtool rejects: its findings point at line 1
        return {}
    tests = data.get("tests") if isinstance(data, dict) else None
    return {str(t.get("name", "")): getattr(t, "line", 1) for t in tests or [] if isinstance(t, dict)}


def coverage(paths: list[Path]) -> tuple[set[str], set[str]]:
    """(alert rules of the test files' rule_files, those an alert_rule_test names), over all the files."""
    alerts, tested = set(), set()
    for path in paths:
        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
            for pattern in data.get("rule_files") or []:
                for match in matching(path, pattern):
                    alerts |= {r.alert for f in rule_files(match) for r in load_rules(f) if r.alert}
            tested |= {c.get("alertname") for t in data.get("tests") or [] for c in t.get("alert_rule_test") or []}
        except Exception:  # noqa: BLE001 - coverage of a file promtool rejects is not counted
            continue
    return alerts, tested & alerts


def test_results(results) -> tuple[list[Finding], list[Case]]:
    findings, cases = [], []
    for result in results:
        lines = test_lines(Path(result.path))
        failed: dict[str, list[str]] = {}
        for failure in result.failures:
            failed.setdefault(failure.test, []).extend(failure.explain())
        for name, explained in failed.items():
            findings.append(Finding("error", result.path, lines.get(name, 1), "promtool test rules",
                                    f"test {name!r} failed\n" + "\n".join(explained)))
        if result.verdict in ("error", "unsupported") or (result.verdict == "failed" and not failed):
            findings.append(Finding("error", result.path, 1, "promtool test rules",
                                    "\n".join(result.warnings) or result.output.strip()[-500:] or result.verdict))
        for name, line in lines.items() or {"": 1}.items():
            cases.append(Case(result.path, name or "(file)", "\n".join(failed.get(name, [])), result.path, line))
        if result.verdict != "passed" and not failed:
            cases.append(Case(result.path, "(file)", result.verdict + ": " + "\n".join(result.warnings), result.path, 1))
    return findings, cases


def uncovered(results) -> list[Finding]:
    """A warning on each alert rule no test covers, where the rule is written."""
    findings = []
    for result in results:
        for alert in result.uncovered_alerts:
            file, line = _rule_place(Path(result.path), alert)
            findings.append(Finding("warning", file, line, "no test", f"alert rule {alert} has no alert_rule_test in {result.path}"))
    return findings


def _rule_place(test_file: Path, alert: str) -> tuple[str, int]:
    try:
        patterns = (yaml.safe_load(test_file.read_text()) or {}).get("rule_files") or []
    except Exception:  # noqa: BLE001
        return str(test_file), 1
    for pattern in patterns:
        for match in matching(test_file, pattern):
            for plain in rule_files(match):
                if any(r.alert == alert for r in load_rules(plain)):
                    return locate(plain, alert)
    return str(test_file), 1


def check_results(report: CheckReport) -> tuple[list[Finding], list[Case]]:
    findings, cases = [], []
    for path, (ok, said) in report.promtool.items():
        file, line = locate(path, "")
        if not ok:
            findings.append(Finding("error", file, line, "promtool check rules", said))
        cases.append(Case("promtool check rules", file, "" if ok else said, file, line))
    for finding in report.findings:
        file, line = locate(finding.file, finding.rule)
        findings.append(Finding("error", file, line, "missing in Prometheus", f"{finding.rule}: {finding.problem}"))
        cases.append(Case("live Prometheus", f"{file}: {finding.rule}", finding.problem, file, line))
    return findings, cases
