"""`routes test` results as CI reads them: each failed case annotated on its line of the cases file."""

from __future__ import annotations

from pathlib import Path

from monsuite.deployed.documents import documents_of
from monsuite.routing.verdict import RoutingReport
from monsuite.userio.ciformat import Case, Finding

SECTIONS = ("routes", "inhibitions", "silences")


def case_lines(path: Path) -> dict[str, int]:
    """'routes[3]' -> the line that case starts on."""
    body = documents_of(Path(path), "routing cases file")[0].body
    return {f"{section}[{i}]": getattr(case, "line", 1) for section in SECTIONS
            for i, case in enumerate(body.get(section) or [] if isinstance(body, dict) else [])}


def results(report: RoutingReport, cases_path: Path) -> tuple[list[Finding], list[Case]]:
    lines = case_lines(cases_path)
    failed: dict[str, list[str]] = {}
    for problem in report.problems():
        failed.setdefault(problem.split(" ", 1)[0].rstrip(":"), []).append(problem)
    findings = [Finding("error", str(cases_path), lines.get(case, 1), "routes test", "\n".join(problems))
                for case, problems in failed.items()]
    cases = [Case(f"routes test {cases_path}", case, "\n".join(failed.get(case, [])), str(cases_path), line)
             for case, line in lines.items()]
    return findings, cases
