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

import yaml

from monsuite.rules.unittests import AlertEntry, parse_failures
from monsuite.timescale import parse_ms

SAMPLE = re.compile(r"\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*)\} (\S+?)(?:,|$)")
PAIR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
TIMEOUT_SECONDS = 600


class PromtoolError(RuntimeError):
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

    def merge(self, other: "Results") -> None:
        self.samples.update(other.samples)
        self.alerts.update(other.alerts)
        self.errors.update(other.errors)


def run_probes(tests: list[dict], rule_files: list[Path], evaluation_interval: str = "15s",
               promtool: str = "promtool", workers: int | None = None) -> Results:
    """Run ``tests`` (promtool test entries, each with a unique name and empty expectations)."""
    if not tests:
        return Results()
    workers = max(1, min(workers or os.cpu_count() or 1, len(tests)))
    chunks = [tests[i::workers] for i in range(workers)]
    results = Results()
    with tempfile.TemporaryDirectory(prefix="monsuite-probe-") as directory:
        jobs = []
        for index, chunk in enumerate(chunks):
            path = Path(directory) / f"probe-{index}.yml"
            path.write_text(yaml.safe_dump({"rule_files": [str(Path(f).resolve()) for f in rule_files],
                                            "evaluation_interval": evaluation_interval, "tests": chunk},
                                           sort_keys=False, width=100000))
            jobs.append(path)
        with ThreadPoolExecutor(len(jobs)) as pool:
            for partial in pool.map(lambda p: _run(p, promtool), jobs):
                results.merge(partial)
    return results


def _run(path: Path, promtool: str) -> Results:
    proc = subprocess.run([promtool, "test", "rules", path.name], cwd=path.parent, capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS)
    output = proc.stdout + proc.stderr
    results = Results()
    for failure in parse_failures(output):
        if failure.kind == "alert":
            name, _, time = failure.where.removeprefix("alert ").rpartition(" at ")
            results.alerts[(failure.test, name, parse_ms(time))] = [_unescaped(entry) for entry in failure.got]
        elif failure.kind == "expr" and failure.message:
            results.errors[failure.test] = failure.message
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
