"""Running the tests against every mutant: promtool unit tests, one promtool process per core.

A mutant is one alert rule changed. It is judged by the tests that check that alert, plus the tests of
alerts built on it (rules reading ALERTS whose matchers accept its labels), in one promtool run against
a rule file holding only what those tests need: the mutant, the rules they check, and the recording
rules and alerts those read (in their original groups and intervals). A mutant is killed when the run
fails, and survives when it passes. The tests must pass on the unmodified rules first, or no verdict
about mutants means anything.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import promql_parser as pp
import yaml

from monsuite.errors import UserError
from monsuite.generate.inputs import children
from monsuite.generate.matchers import accepts
from monsuite.generate.mutants import Mutant, mutants
from monsuite.deployed.rules import runnable_test_file, user_files
from monsuite.rules.model import Rule, load_rules
from monsuite.rules.unittests import read_test_file
from monsuite.timescale import format_ms

TIMEOUT_SECONDS = 900  # promtool on one whole test file of the unmodified rules (a busy machine included)


@dataclass
class Verdict:
    mutant: Mutant
    killed: bool


@dataclass
class Run:
    verdicts: list[Verdict]
    seconds: float
    untested_rules: list[str] = field(default_factory=list)  # alert rules no test checks
    routes: list = field(default_factory=list)  # RouteVerdict: routing-tree mutants, when asked for
    live: list = field(default_factory=list)  # LiveVerdict: Alertmanager timing mutants, with --live

    @property
    def score(self) -> float:
        return sum(v.killed for v in self.verdicts) / len(self.verdicts) if self.verdicts else 0.0

    @property
    def per_second(self) -> float:
        return len(self.verdicts) / self.seconds if self.seconds else 0.0


@dataclass
class _Suite:
    """Every test of the test files, with the evaluation interval of its file."""
    tests: list[tuple[str, dict]]  # (evaluation_interval, test)

    def checking(self, alerts: set[str]) -> dict[str, list[dict]]:
        chosen: dict[str, list[dict]] = {}
        for interval, test in self.tests:
            if any(check.get("alertname") in alerts for check in test.get("alert_rule_test") or []):
                chosen.setdefault(interval, []).append(test)
        return chosen

    def checked(self) -> set[str]:
        return {c.get("alertname") for _, t in self.tests for c in t.get("alert_rule_test") or []}


def run(rule_files: list[Path], test_files: list[Path], promtool: str = "promtool", workers: int | None = None) -> Run:
    started = time.monotonic()
    tests = {test: read_test_file(test) for test in test_files}  # a broken file is named before promtool runs
    all_rules = [r for path in rule_files for r in load_rules(path)]
    wanted = {Path(r).resolve() for r in [*rule_files, *user_files(rule_files)]}  # a test may name the manifest
    for test in test_files:
        if not wanted & set(_rule_files_of(test)):
            raise UserError(f"{test}: its rule_files name none of the rule files given with --rules")
        failed = _failing_file(test, promtool)
        if failed:
            raise UserError(f"{test}: the tests fail on the unmodified rules, so they cannot judge mutants: {failed}")
    suite = _Suite([(str(data.get("evaluation_interval", "1m")), test) for data in tests.values() for test in data["tests"]])
    checked = suite.checked()
    alert_rules = [r for r in all_rules if r.alert]
    untested = list(dict.fromkeys(r.alert for r in alert_rules if r.alert not in checked))
    made = [m for r in alert_rules for m in mutants(r)]
    with tempfile.TemporaryDirectory(prefix="monsuite-mutants-") as directory:
        def judge(indexed) -> Verdict:
            index, mutant = indexed
            if mutant.rule.alert in untested:
                return Verdict(mutant, False)
            alerts = {mutant.rule.alert} | _watchers(mutant.rule, alert_rules)
            needed = _closure([r for r in alert_rules if r.alert in alerts], all_rules)
            workdir = Path(directory) / f"m{index}"
            workdir.mkdir()
            rule_file = workdir / "rules.yml"
            rule_file.write_text(_rule_file(needed, mutant))
            for n, (interval, tests) in enumerate(sorted(suite.checking(alerts).items())):
                test_file = workdir / f"test-{n}.yml"
                test_file.write_text(yaml.safe_dump({"rule_files": [rule_file.name], "evaluation_interval": interval,
                                                     "tests": tests}, sort_keys=False, width=100000))
                if _failing_file(test_file, promtool):
                    return Verdict(mutant, True)
            return Verdict(mutant, False)

        with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
            verdicts = list(pool.map(judge, enumerate(made)))
    return Run(verdicts, time.monotonic() - started, untested)


def _watchers(rule: Rule, alert_rules: list[Rule]) -> set[str]:
    """Alerts whose expression reads ALERTS with matchers that accept this rule's alert."""
    labels = {**{k: str(v) for k, v in rule.labels.items()}, "alertname": rule.alert, "alertstate": "firing"}
    found = set()
    for other in alert_rules:
        for selector in _selectors(other.expr):
            if selector.name in ("ALERTS", "ALERTS_FOR_STATE") and all(
                    accepts(m, labels.get(m.name, "")) for m in selector.matchers.matchers if m.name != "__name__"):
                found.add(other.alert)
    found.discard(rule.alert)
    return found


def _closure(rules: list[Rule], all_rules: list[Rule]) -> list[Rule]:
    """The rules plus every recording rule they read and every alert an ALERTS read can see, transitively."""
    needed: list[Rule] = []
    pending = list(rules)
    while pending:
        rule = pending.pop()
        if any(rule is r for r in needed):
            continue
        needed.append(rule)
        names = {s.name for s in _selectors(rule.expr)}
        pending += [r for r in all_rules if r.record in names]
        if names & {"ALERTS", "ALERTS_FOR_STATE"}:
            pending += [r for r in all_rules if r.alert and r.alert in _watched_by(rule, all_rules)]
    return needed


def _watched_by(watcher: Rule, all_rules: list[Rule]) -> set[str]:
    return {r.alert for r in all_rules if r.alert and watcher.alert in _watchers(r, [watcher])}


def _selectors(expr: str) -> list:
    found = []

    def visit(node):
        if isinstance(node, pp.MatrixSelector):
            found.append(node.vector_selector)
        elif isinstance(node, pp.VectorSelector):
            found.append(node)
        for child in children(node):
            visit(child)

    visit(pp.parse(expr))
    return found


def _rule_file(needed: list[Rule], mutant: Mutant) -> str:
    """The needed rules in their original groups (name and interval), the mutated one changed."""
    groups: dict[tuple, dict] = {}
    for rule in sorted(needed, key=lambda r: (r.file, r.group)):
        key = (rule.file, rule.group, rule.group_interval_ms)
        group = groups.setdefault(key, {"name": f"{Path(rule.file).stem}/{rule.group}", "rules": [],
                                        **({"interval": format_ms(rule.group_interval_ms)} if rule.group_interval_ms else {})})
        group["rules"].append(_raw(mutant) if rule is mutant.rule else _raw_rule(rule))
    return yaml.safe_dump({"groups": list(groups.values())}, sort_keys=False, width=100000)


def _raw_rule(rule: Rule) -> dict:
    raw = {"record": rule.record} if rule.record else {"alert": rule.alert}
    raw["expr"] = rule.expr
    if rule.for_ms:
        raw["for"] = format_ms(rule.for_ms)
    if rule.labels:
        raw["labels"] = dict(rule.labels)
    if rule.annotations:
        raw["annotations"] = dict(rule.annotations)
    return raw


def _raw(mutant: Mutant) -> dict:
    raw = _raw_rule(mutant.rule)
    raw["expr"] = mutant.expr
    raw.pop("for", None)
    if mutant.for_ms:
        raw["for"] = format_ms(mutant.for_ms)
    raw["labels"] = dict(mutant.labels)
    return raw


def _rule_files_of(test: Path) -> list[Path]:
    data = read_test_file(test)
    found = []
    for pattern in data.get("rule_files") or []:
        found += [Path(p).resolve() for p in glob.glob(str(Path(test).parent / pattern))]
    return found


def _failing_file(test: Path, promtool: str) -> str:
    """'' when promtool passes the test file; else its report on one line."""
    path = runnable_test_file(Path(test))
    try:
        proc = subprocess.run([promtool, "test", "rules", path.name], cwd=path.parent, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise UserError(f"{test}: promtool took over {TIMEOUT_SECONDS} s on the unmodified rules; split the file "
                        "or run on a less busy machine") from None
    return "" if proc.returncode == 0 else " ".join((proc.stdout + proc.stderr).split())[:300]


def summary(run_: Run) -> list[dict]:
    """Per rule: mutants made and killed, and each survivor in one line. Rules that share an alert name are
    told apart by their group and place (each has its own entry, its own survivors)."""
    by_rule: dict[int, dict] = {}
    rules = list({id(v.mutant.rule): v.mutant.rule for v in run_.verdicts}.values())
    names = Counter(r.alert for r in rules)
    seen: Counter = Counter()
    for rule in rules:
        seen[rule.alert] += 1
        shown = rule.alert if names[rule.alert] == 1 else f"{rule.alert} (group {rule.group}, rule {seen[rule.alert]} of that name)"
        by_rule[id(rule)] = {"alert": shown, "file": rule.file, "made": 0, "killed": 0, "survivors": []}
    for verdict in run_.verdicts:
        entry = by_rule[id(verdict.mutant.rule)]
        entry["made"] += 1
        entry["killed"] += verdict.killed
        if not verdict.killed:
            entry["survivors"].append(f"{verdict.mutant.description} not detected by any test")
    return list(by_rule.values())
