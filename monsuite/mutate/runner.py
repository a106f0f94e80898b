"""Running the tests against every mutant: promtool unit tests, one promtool process per core.

A mutant is one rule changed in a copy of its rule file; each test file that reads that rule file runs
against the copy. A mutant is killed when any of them fails, and survives when all pass. The tests must
pass on the unmodified rules first, or no verdict about mutants means anything.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from monsuite.errors import UserError
from monsuite.mutate.operators import Mutant, mutants
from monsuite.rules.model import Rule, load_rules
from monsuite.timescale import format_ms

TIMEOUT_SECONDS = 300


@dataclass
class Verdict:
    mutant: Mutant
    killed: bool
    killed_by: str = ""  # the test file that noticed


@dataclass
class Run:
    verdicts: list[Verdict]
    seconds: float
    untested_rules: list[str] = field(default_factory=list)  # alert rules no test file reads

    @property
    def score(self) -> float:
        return sum(v.killed for v in self.verdicts) / len(self.verdicts) if self.verdicts else 0.0

    @property
    def per_second(self) -> float:
        return len(self.verdicts) / self.seconds if self.seconds else 0.0


def run(rule_files: list[Path], test_files: list[Path], promtool: str = "promtool", workers: int | None = None) -> Run:
    started = time.monotonic()
    readers = {Path(r).resolve(): [t for t in test_files if Path(r).resolve() in _rule_files_of(t)] for r in rule_files}
    for test in test_files:
        failed = _failing(test, {}, promtool)
        if failed:
            raise UserError(f"{test}: the tests fail on the unmodified rules, so they cannot judge mutants: {failed}")
    rules = [r for path in rule_files for r in load_rules(path) if r.alert]
    watchers = {r.alert for r in rules if "ALERTS" in r.expr}  # alerts on alerts: their tests see any rule
    named = {test: _alerts_named(test) for test in test_files}
    untested = [r.alert for r in rules if not any(r.alert in named[t] for t in readers[Path(r.file).resolve()])]
    made = [m for r in rules for m in mutants(r)]
    with tempfile.TemporaryDirectory(prefix="monsuite-mutants-") as directory:
        def judge(indexed) -> Verdict:
            index, mutant = indexed
            if mutant.rule.alert in untested:
                return Verdict(mutant, False)
            source = Path(mutant.rule.file).resolve()
            copy = Path(directory) / f"m{index}" / source.name
            copy.parent.mkdir()
            copy.write_text(_mutated_file(mutant))
            for test in readers[source]:
                if _failing(test, {source: copy}, promtool, copy.parent, {mutant.rule.alert} | watchers):
                    return Verdict(mutant, True, str(test))
            return Verdict(mutant, False)

        with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
            verdicts = list(pool.map(judge, enumerate(made)))
    return Run(verdicts, time.monotonic() - started, untested)


def _rule_files_of(test: Path) -> list[Path]:
    data = yaml.safe_load(Path(test).read_text()) or {}
    found = []
    for pattern in data.get("rule_files") or []:
        found += [Path(p).resolve() for p in glob.glob(str(Path(test).parent / pattern))]
    return found


def _alerts_named(test: Path) -> set[str]:
    data = yaml.safe_load(Path(test).read_text()) or {}
    return {check.get("alertname") for t in data.get("tests") or [] for check in t.get("alert_rule_test") or []}


def _failing(test: Path, replaced: dict, promtool: str, workdir: Path | None = None, alerts: set | None = None) -> str:
    """'' when the test file passes with ``replaced`` rule files swapped in; else promtool's first lines.
    With ``alerts``: only the tests that check one of them (or evaluate expressions) run."""
    path = Path(test)
    if replaced:
        data = yaml.safe_load(path.read_text())
        data["rule_files"] = [str(replaced.get(f, f)) for f in _rule_files_of(path)]
        if alerts is not None:
            data["tests"] = [t for t in data.get("tests") or [] if t.get("promql_expr_test")
                             or any(c.get("alertname") in alerts for c in t.get("alert_rule_test") or [])]
        path = workdir / f"test-{path.name}"
        path.write_text(yaml.safe_dump(data, sort_keys=False, width=100000))
    proc = subprocess.run([promtool, "test", "rules", path.name], cwd=path.parent, capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS)
    if proc.returncode == 0:
        return ""
    return " ".join((proc.stdout + proc.stderr).split())[:300]


def _mutated_file(mutant: Mutant) -> str:
    data = yaml.safe_load(Path(mutant.rule.file).read_text())
    for group in data["groups"]:
        for raw in group.get("rules") or []:
            if raw.get("alert") == mutant.rule.alert and str(raw.get("expr")) == mutant.rule.expr:
                raw["expr"] = mutant.expr
                raw["labels"] = dict(mutant.labels)
                if mutant.for_ms:
                    raw["for"] = format_ms(mutant.for_ms)
                else:
                    raw.pop("for", None)
                return yaml.safe_dump(data, sort_keys=False, width=100000)
    raise ValueError(f"rule {mutant.rule.alert} not found again in {mutant.rule.file}")


def summary(run_: Run) -> list[dict]:
    """Per rule: mutants made and killed, and each survivor in one line."""
    by_rule: dict[str, dict] = {}
    for verdict in run_.verdicts:
        rule: Rule = verdict.mutant.rule
        entry = by_rule.setdefault(rule.alert, {"alert": rule.alert, "file": rule.file, "made": 0, "killed": 0, "survivors": []})
        entry["made"] += 1
        entry["killed"] += verdict.killed
        if not verdict.killed:
            entry["survivors"].append(f"{verdict.mutant.description} not detected by any test")
    return list(by_rule.values())
