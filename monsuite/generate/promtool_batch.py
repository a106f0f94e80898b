"""promtool as the PromQL evaluator: many probe tests in one run, read back from its failure report.

Every probe expects nothing (empty `exp_samples` / `exp_alerts`), so promtool reports exactly what each
expression returned and which alerts were firing at each time; what it does not report was empty.
Tests are split over one promtool process per core.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path


from monsuite.errors import UserError
from monsuite.rules.trim import spread, write_pieces
from monsuite.rules.unittests import AlertEntry, parse_failures
from monsuite.timescale import parse_ms

SAMPLE = re.compile(r"\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*)\} (\S+?)(?:,|$)")
PAIR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
TIMEOUT_SECONDS = 600


class PromtoolError(UserError):
    pass


@dataclass
class Sample:
    labels: dict
    value: float


@dataclass
class Results:
    samples: dict = field(default_factory=dict)  # (expr, time in ms) -> [Sample]
    alerts: dict = field(default_factory=dict)  # (test, alertname, time in ms) -> [AlertEntry]
    errors: dict = field(default_factory=dict)  # test -> message
    failed: set = field(default_factory=set)  # (expr, time in ms) that promtool could not evaluate

    def values(self, test: str, expr: str, at_ms: int) -> list[float]:
        """What ``expr`` returned at ``at_ms`` in ``test``, asked as ``tagged(expr, test)``: promtool names no
        test beside a sample, and tests of other rules may ask the same expression at the same time."""
        return [s.value for s in self.samples.get((tagged(expr, test), at_ms), [])]

    def label_sets(self, test: str, expr: str, at_ms: int) -> frozenset | None:
        """The series ``expr`` returned at ``at_ms`` in ``test``, each as its labels; None where it failed."""
        key = (tagged(expr, test), at_ms)
        if key in self.failed:
            return None
        return frozenset(frozenset(s.labels.items()) for s in self.samples.get(key, []))

    def merge(self, other: "Results") -> None:
        self.samples.update(other.samples)
        self.alerts.update(other.alerts)
        self.errors.update(other.errors)
        self.failed |= other.failed


def tagged(expr: str, test: str) -> str:
    """The expression as one test asks it: with a PromQL comment naming the test, so its samples are its own."""
    return f"{expr.rstrip()}\n# {test}"


def run_probes(tests: list[dict], rule_files: list[Path], evaluation_interval: str = "15s",
               promtool: str = "promtool", workers: int | None = None) -> Results:
    """Run ``tests`` (promtool test entries, each with a unique name and empty expectations). Tests of the
    same alerts share a test file whose rule files hold only what those alerts read; the files are spread
    over one promtool process per core."""
    if not tests:
        return Results()
    workers = max(1, min(workers or os.cpu_count() or 1, len(tests)))
    per_file = -(-len(tests) // workers)
    by_alerts: dict[tuple, list[dict]] = {}
    for test in tests:
        by_alerts.setdefault(tuple(sorted({c["alertname"] for c in test.get("alert_rule_test", [])})), []).append(test)
    pieces = [group[i:i + per_file] for group in by_alerts.values() for i in range(0, len(group), per_file)]
    results = Results()
    with tempfile.TemporaryDirectory(prefix="monsuite-probe-") as directory:
        paths = write_pieces(pieces, rule_files, Path(directory), "probe.yml", {"evaluation_interval": evaluation_interval})
        shares = spread(paths, workers)
        with ThreadPoolExecutor(len(shares)) as pool:
            for partial in pool.map(lambda share: _run(share, Path(directory), promtool), shares):
                results.merge(partial)
    return results


def _run(paths: list[Path], directory: Path, promtool: str) -> Results:
    try:
        proc = subprocess.run([promtool, "test", "rules", *(str(p.relative_to(directory)) for p in paths)], cwd=directory,
                              capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise PromtoolError(f"promtool took over {TIMEOUT_SECONDS} s on {len(paths)} files of generated probes") from None
    output = proc.stdout + proc.stderr
    results = Results()
    for failure in parse_failures(output):
        if failure.kind == "alert":
            name, _, time = failure.where.removeprefix("alert ").rpartition(" at ")
            results.alerts[(failure.test, name, parse_ms(time))] = [_unescaped(entry) for entry in failure.got]
        elif failure.kind == "expr" and failure.message:
            results.errors[failure.test] = failure.message
            expr, _, time = failure.where.removeprefix("expr ").rpartition(" at ")
            results.failed.add((json.loads(expr), parse_ms(time)))
        elif failure.kind == "expr":
            expr, _, time = failure.where.removeprefix("expr ").rpartition(" at ")
            results.samples[(json.loads(expr), parse_ms(time))] = parse_samples(failure.got[0] if failure.got else "")
        elif failure.kind in ("rule", "error") and not failure.where.startswith(("name:", "WARNING")):
            if proc.returncode != 0 and not results.alerts and not results.samples and "FAILED" not in output:
                raise PromtoolError(f"promtool could not run the generated tests: {failure.where} {failure.message}".strip())
    return results


def parse_samples(text: str) -> list[Sample]:
    return [Sample({k: _unquote(v) for k, v in PAIR.findall(labels)}, float(value))
            for labels, value in SAMPLE.findall(text.strip())]


def _unescaped(entry: AlertEntry) -> AlertEntry:
    return AlertEntry({k: _unquote(v) for k, v in entry.labels.items()},
                      {k: _unquote(v) for k, v in entry.annotations.items()})


def _unquote(value: str) -> str:
    try:
        return json.loads(f'"{value}"')
    except ValueError:
        return value
