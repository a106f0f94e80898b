"""`monsuite rules test`: users' promtool unit test files, run by promtool (its verdict is the
verdict), explained as a readable diff of expected vs got per test, with the alert rules no test covers."""

from __future__ import annotations

import difflib
import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from monsuite.deployed.rules import runnable_test_file
from monsuite.errors import ManifestError
from monsuite.rules.model import load_rules
from monsuite.rules.trim import run_split
from monsuite.userio.inputs import read_yaml, refuse_unknown_keys

LABELS = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
UNKNOWN_FIELD = re.compile(r"line (\d+): field (\w+) not found in type ([\w.]+)")


@dataclass
class AlertEntry:
    labels: dict
    annotations: dict


@dataclass
class Failure:
    kind: str  # alert | expr | rule | error
    where: str  # "alertname X at 5m", "expr ... at 0s", or the error's subject
    test: str = ""
    expected: list = field(default_factory=list)
    got: list = field(default_factory=list)
    message: str = ""

    def explain(self) -> list[str]:
        if self.kind != "alert":
            lines = [f"{self.where}: {self.message}"] if self.message else [self.where]
            lines += [f"    expected {e}" for e in self.expected] + [f"    got      {g}" for g in self.got]
            return lines
        lines = [f"{self.where}" + (f" (test {self.test!r})" if self.test else "")]
        got_by_labels = {_key(g.labels): g for g in self.got}
        exp_by_labels = {_key(e.labels): e for e in self.expected}
        for key, want in exp_by_labels.items():
            have = got_by_labels.get(key)
            if have is None:
                lines.append(f"    missing alert   {_labels(want.labels)}")
            elif have.annotations != want.annotations:
                for name in sorted(set(want.annotations) | set(have.annotations)):
                    if want.annotations.get(name) != have.annotations.get(name):
                        lines.append(f"    annotation {name} of {_labels(want.labels)}:")
                        lines.append(f"        expected {want.annotations.get(name)!r}")
                        lines.append(f"        got      {have.annotations.get(name)!r}")
        for key, have in got_by_labels.items():
            if key not in exp_by_labels:
                lines.append(f"    unexpected alert {_labels(have.labels)}")
        return lines


@dataclass
class FileResult:
    path: str
    verdict: str  # passed | failed | unsupported | error
    returncode: int
    failures: list[Failure] = field(default_factory=list)
    unsupported_fields: list[str] = field(default_factory=list)
    uncovered_alerts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # promtool's own (e.g. a rule file pattern matched nothing)
    output: str = ""


def missing_rule_files(path: Path) -> list[str]:
    """The rule_files patterns of a test file that match no file (promtool 2.x passes such a test silently)."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # promtool says what is wrong with the file itself
    patterns = data.get("rule_files") if isinstance(data, dict) else None
    if not isinstance(patterns, list):
        return []
    return [str(p) for p in patterns if not glob.glob(str(Path(path).parent / str(p)))]


def run_file(path: Path, promtool: str = "promtool") -> FileResult:
    path = Path(path)
    missing = missing_rule_files(path)
    if missing:
        return FileResult(str(path), "error", 1, warnings=[
            f"rule_files: {', '.join(repr(m) for m in missing)} matches no file next to the test file; "
            "its tests would test nothing"])
    runnable = runnable_test_file(path)  # rule_files naming PrometheusRule manifests and the like: unwrapped
    returncode, output = run_split(runnable, promtool, timeout=300)
    result = FileResult(str(path), "passed" if returncode == 0 else "failed", returncode, output=output)
    result.warnings = list(dict.fromkeys(line.strip().removeprefix("WARNING:").strip() for line in output.splitlines()
                                         if line.strip().startswith("WARNING:")))  # promtool 3 says some twice
    if returncode != 0:
        unknown = UNKNOWN_FIELD.findall(output)
        if unknown and _is_rule_file(path):
            result.verdict = "error"
            result.failures = []
            result.warnings.append("this is a rule file, not a unit test file: give the test file that names it in rule_files")
        elif any(_misspelt(name, kind) for _, name, kind in unknown):
            result.verdict = "error"
            result.failures = []
            result.warnings += [_misspelt(name, kind) for _, name, kind in unknown if _misspelt(name, kind)]
        elif unknown:
            result.verdict = "unsupported"
            result.unsupported_fields = sorted({f"{name} (in {kind.split('.')[-1]})" for _, name, kind in unknown})
        else:
            result.failures = parse_failures(output)
            if not any(f.kind in ("alert", "expr") for f in result.failures):
                result.verdict = "error"
    result.uncovered_alerts = uncovered_alerts(runnable)
    return result


# The fields of promtool's test file structures in the newest release monsuite knows (3.16): a field none of
# them has is a typo, not a feature of a newer promtool.
PROMTOOL_FIELDS = {
    "unitTestFile": ("rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"),
    "testGroup": ("interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url",
                  "name", "start_timestamp"),
    "series": ("series", "values"),
    "alertTestCase": ("eval_time", "alertname", "exp_alerts"),
    "alert": ("exp_labels", "exp_annotations"),
    "promqlTestCase": ("expr", "eval_time", "exp_samples"),
    "sample": ("labels", "value", "histogram"),
}


def _misspelt(name: str, kind: str) -> str | None:
    """What to say of a field no promtool knows (None: a newer promtool may know it)."""
    known = PROMTOOL_FIELDS.get(kind.split(".")[-1])
    if known is None or name in known:
        return None
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"unknown key {name!r}" + (f"; did you mean {close[0]!r}?" if close else "") + f" (known: {', '.join(known)})"


def read_test_file(path: Path) -> dict:
    """A promtool unit test file read for monsuite's own use (mutation testing): a mapping of known keys."""
    data = read_yaml(path, "promtool test file", strict=False)
    refuse_unknown_keys(data, PROMTOOL_FIELDS["unitTestFile"], path)
    if not isinstance(data.get("tests"), list):
        raise ManifestError(path, "tests", "a promtool test file needs a list of tests")
    return data


def _is_rule_file(path: Path) -> bool:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "groups" in data and "tests" not in data


def parse_failures(output: str) -> list[Failure]:
    """promtool 2.x's failure report, block by block."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    failures: list[Failure] = []
    test_name = ""
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.startswith("name: "):
            test_name = text[len("name: "):].rstrip(",")
        elif text.startswith("alertname: "):
            match = re.match(r"alertname: (.*?), time: (.*?),", text)
            exp, i = _alert_list(lines, i + 1, "exp:")
            got, i = _alert_list(lines, i, "got:")
            failures.append(Failure("alert", f"alert {match.group(1)} at {match.group(2)}", test_name, exp, got))
            continue
        elif text.startswith("expr: "):
            match = re.match(r'expr: (".*"), time: (.*?),(?: err: (.*))?$', text)
            if match and match.group(3):
                failures.append(Failure("expr", f"expr {match.group(1)} at {match.group(2)}", test_name, message=match.group(3)))
            elif match:
                exp = lines[i + 1].strip().removeprefix("exp: ") if i + 1 < len(lines) else ""
                got = lines[i + 2].strip().removeprefix("got: ") if i + 2 < len(lines) else ""
                failures.append(Failure("expr", f"expr {match.group(1)} at {match.group(2)}", test_name, [exp], [got]))
                i += 3
                continue
        elif text.startswith("rule: "):
            failures.append(Failure("rule", text.split(", err:")[0], test_name, message=text.split("err: ", 1)[-1]))
        elif not text.startswith(("Unit Testing:", "FAILED:", "SUCCESS")):
            failures.append(Failure("error", text))
        i += 1
    return failures


def _alert_list(lines: list[str], i: int, prefix: str) -> tuple[list[AlertEntry], int]:
    text = lines[i].strip() if i < len(lines) else ""
    if not text.startswith(prefix):
        return [], i
    if text.startswith(prefix + "[]"):
        return [], i + 1
    entries, labels = [], None
    i += 1
    while i < len(lines) and not lines[i].strip().startswith("]"):
        text = lines[i].strip()
        if text.startswith("Labels:"):
            labels = dict(LABELS.findall(text))
        elif text.startswith("Annotations:"):
            entries.append(AlertEntry(labels or {}, dict(LABELS.findall(text))))
        i += 1
    return entries, i + 1


def uncovered_alerts(path: Path) -> list[str]:
    """Alert rules of the test file's rule_files that no alert_rule_test names."""
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
        rule_files = [Path(path).parent / f for f in data.get("rule_files", [])]
        alerts = {r.alert for f in rule_files if f.exists() for r in load_rules(f) if r.alert}
    except Exception:  # noqa: BLE001 - coverage is best effort for files promtool itself rejects
        return []
    tested = {check.get("alertname") for test in data.get("tests") or [] for check in test.get("alert_rule_test") or []}
    return sorted(alerts - tested)


def _key(labels: dict) -> tuple:
    return tuple(sorted(labels.items()))


def _labels(labels: dict) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
