"""A template check, start to end: example alerts, the cases routing makes of them, the render, the
findings (less those the stack accepts, with its reason) and, where golden files exist, the comparison."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.dashboards.model import load_dashboard
from monsuite.errors import ManifestError, UserError
from monsuite.manifest import load_manifest
from monsuite.profiles import resolve_profile
from monsuite.rules.model import expand
from monsuite.templates import bench, cases, examples, findings, golden
from monsuite.templates.amtool import amtool_beside
from monsuite.templates.config import TemplateConfig, read_config, stack_config_file
from monsuite.userio.inputs import read_yaml

GOLDEN = Path("templates") / "golden"
ACCEPTED = Path("templates") / "accepted.yaml"


@dataclass
class Accepted:
    pattern: str  # a finding's key, where * stands for any text (nothing else is special: keys hold [0])
    why: str

    def matches(self, key: str) -> bool:
        return re.fullmatch(".*".join(map(re.escape, self.pattern.split("*"))), key) is not None


@dataclass
class TemplateReport:
    config: TemplateConfig
    examples: examples.Examples
    run: bench.RenderRun
    findings: list[findings.Finding]
    accepted: list[tuple[findings.Finding, str]]
    documents: list[golden.Document]
    seconds: dict = field(default_factory=dict)
    mismatches: list[golden.Mismatch] | None = None  # None: not compared
    unknown_receivers: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.findings or self.mismatches)

    def document(self, receiver: str, alertname: str, state: str = "firing", several: bool = False) -> golden.Document:
        """What a receiver was sent for an alert (a fixture's way in for a user's own assertions)."""
        path = golden.document_path(receiver, f"{alertname}.{'several' if several else 'one'}", state)
        for document in self.documents:
            if document.path == path:
                return document
        raise KeyError(f"no {state} notification of {alertname} ({'several' if several else 'one'}) to {receiver}")


def check_stack(stack: str | Path, *, receivers: list[str] | None = None, alertmanager: str | None = None,
                compare: bool = True) -> TemplateReport:
    """`alertmanager`: the binary that renders (default: the release's on PATH)."""
    manifest = load_manifest(stack)
    directory = manifest.directory
    config = read_config(stack_config_file(directory), resolve_profile(manifest, "ci"))
    rules = expand(directory, list(manifest.rule_files))
    tests = sorted(p for pattern in ("rule-tests/*.yml", "rule-tests/*.yaml") for p in directory.glob(pattern))
    dashboards = sorted(directory.glob("dashboards/*.json"))
    report = check(config, rules, tests, dashboards, receivers=receivers, alertmanager=alertmanager,
                   accepted=read_accepted(directory / ACCEPTED))
    kept = golden_dir(directory, report.run.version)
    if compare and kept.is_dir():
        report.mismatches = golden.compare(report.documents, kept, receivers)
    return report


def golden_dir(stack_dir: Path, version: str) -> Path:
    """Golden files are what one Alertmanager release sends (releases differ: 0.35's PagerDuty details are
    structured where 0.25's are text), so each release has its own folder: templates/golden/0.25/."""
    return stack_dir / GOLDEN / version


def check(config: TemplateConfig, rule_files: list[Path], test_files: list[Path], dashboards: list[Path], *,
          receivers: list[str] | None = None, alertmanager: str | None = None,
          accepted: list[Accepted] = ()) -> TemplateReport:
    unknown = [r for r in receivers or [] if r not in config.receivers]
    if unknown:
        raise UserError(f"--receiver {unknown[0]}: {config.source} has no such receiver "
                        f"(it has {', '.join(config.receivers)})")
    seconds = {}
    started = time.monotonic()
    found = examples.collect(rule_files, test_files)
    seconds["examples"] = time.monotonic() - started
    uids = {load_dashboard(p).uid for p in dashboards} if dashboards else None
    with tempfile.TemporaryDirectory(prefix="monsuite-templates-") as work:
        mark = time.monotonic()
        planned = cases.plan(config, found.alerts, Path(work), receivers, alertmanager)
        seconds["routing"] = time.monotonic() - mark
        run = bench.render(config, planned, Path(work), alertmanager=alertmanager)
    seconds["render"] = run.seconds
    seconds["total"] = time.monotonic() - started
    every = findings.find(run, uids, amtool_beside(run.alertmanager))
    kept, waived = [], []
    for finding in every:
        reason = next((a.why for a in accepted if a.matches(finding.key)), None)
        (kept if reason is None else waived).append(finding if reason is None else (finding, reason))
    return TemplateReport(config, found, run, kept, waived, golden.documents(run), seconds)


def read_accepted(path: Path) -> list[Accepted]:
    """A stack's known findings, each with why it stands: [{finding: KEY-OR-GLOB, why: TEXT}]."""
    if not path.exists():
        return []
    data = read_yaml(path, "accepted template findings", expect=list)
    made = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("finding") or not entry.get("why"):
            raise ManifestError(path, f"[{index}]", "each entry needs `finding` (a finding's key or a glob of keys) "
                                "and `why`")
        made.append(Accepted(str(entry["finding"]), str(entry["why"])))
    return made
