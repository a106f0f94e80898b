"""promtool unit tests over a large rule set, fast: promtool evaluates every rule at every step of every
test, so tests run on copies of the rule files trimmed to what they read (exact: a rule a test neither
checks nor reads cannot change its result), split over one promtool process per core."""

from __future__ import annotations

import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from monsuite.deployed.rules import matching
from monsuite.errors import UserError
from monsuite.rules.references import selectors

# Below this many rules a file runs whole, as promtool runs it: promtool 2.x carries some state from one test
# into the next within a file (an alert of one test can show in the next), which split pieces do not.
SPLIT_FROM_RULES = 50


def trimmed_rule_files(rule_files: list[Path], tests: list[dict], directory: Path) -> list[Path]:
    """Copies of the rule files holding only what the tests read: their alerting rules and the recording
    rules those and their expressions depend on, in their groups and order. promtool evaluates every rule at every step
    of every test, so a large rule set (kube-prometheus: 234 rules) would otherwise cost minutes per batch.
    An expression that reads ALERTS depends on every alerting rule; one that selects by a name pattern on
    anything: then nothing is trimmed."""
    alerts = {check["alertname"] for test in tests for check in test.get("alert_rule_test") or []}
    exprs = [str(check["expr"]) for test in tests for check in test.get("promql_expr_test") or []]
    try:
        files = [(Path(f), yaml.safe_load(Path(f).read_text())) for f in rule_files]
        entries = [(fi, gi, ri, rule) for fi, (_, data) in enumerate(files) for gi, group in enumerate(data["groups"])
                   for ri, rule in enumerate(group.get("rules") or [])]
        reads = {id(rule): {s.metric for s in selectors(str(rule["expr"]))} for *_, rule in entries}
        asked = {s.metric for expr in exprs for s in selectors(expr)}
    except Exception:  # noqa: BLE001 - a file promtool will name itself; run it whole
        return list(rule_files)
    kept = {id(rule) for *_, rule in entries if rule.get("alert") in alerts}
    needed = asked.union(*(reads[k] for k in kept))
    while True:
        if None in needed:
            return list(rule_files)
        every_alert = bool(needed & {"ALERTS", "ALERTS_FOR_STATE"})  # reads the other alerts' states
        more = {id(rule) for *_, rule in entries if id(rule) not in kept
                and (rule.get("record") in needed or (every_alert and rule.get("alert")))}
        if not more:
            break
        kept |= more
        needed |= set().union(*(reads[k] for k in more))
    directory.mkdir()
    trimmed = []
    for fi, (path, data) in enumerate(files):
        groups = [{**group, "rules": [r for r in group.get("rules") or [] if id(r) in kept]} for group in data["groups"]]
        groups = [g for g in groups if g["rules"]]
        if groups:
            trimmed.append(directory / f"{fi}-{path.name}")
            trimmed[-1].write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=100000))
    return trimmed


def run_split(test_file: Path, promtool: str = "promtool", timeout: float = 300) -> tuple[int, str]:
    """`promtool test rules test_file`, its tests spread over pieces (tests of the same alert together, each
    piece on its trimmed rule files) and the pieces over one promtool process per core: (exit status, output)."""
    test_file = Path(test_file)
    try:
        data = yaml.safe_load(test_file.read_text())
        tests = list(data["tests"])
        rule_files = [m.resolve() for pattern in data.get("rule_files") or [] for m in matching(test_file, pattern)]
    except Exception:  # noqa: BLE001 - promtool says what is wrong with the file
        tests, rule_files = [], []
    workers = os.cpu_count() or 1
    if len(tests) < 2 or _rule_count(rule_files) < SPLIT_FROM_RULES or data.get("group_eval_order"):  # it names every group
        return _promtool([test_file.name], test_file.parent, promtool, timeout)

    def key(test) -> str:
        checks = (test.get("alert_rule_test") or []) + (test.get("promql_expr_test") or [])
        return str(checks[0].get("alertname") or checks[0].get("expr")) if checks and isinstance(checks[0], dict) else ""

    ordered = sorted(tests, key=key)
    count = min(len(ordered), workers * 4)
    pieces = [ordered[len(ordered) * i // count:len(ordered) * (i + 1) // count] for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="monsuite-split-") as directory:
        paths = write_pieces(pieces, rule_files, Path(directory), test_file.name, data)
        with ThreadPoolExecutor(workers) as pool:
            runs = list(pool.map(lambda share: _promtool([str(p.relative_to(directory)) for p in share], Path(directory), promtool, timeout),
                                 spread(paths, workers)))
    return max(code for code, _ in runs), "".join(output for _, output in runs)


def write_pieces(pieces: list[list[dict]], rule_files: list[Path], directory: Path, name: str, keys: dict) -> list[Path]:
    """One test file per piece of tests (with the test file's other `keys`), each in its own folder beside
    the rule files trimmed to what its tests read."""
    paths = []
    for index, piece in enumerate(pieces):
        folder = directory / str(index)
        folder.mkdir()
        needed = trimmed_rule_files(rule_files, piece, folder / "rules")
        paths.append(folder / name)
        paths[-1].write_text(yaml.safe_dump({**keys, "rule_files": [str(Path(f).resolve()) for f in needed], "tests": piece},
                                            sort_keys=False, width=100000))
    return paths


def spread(paths: list[Path], workers: int) -> list[list[Path]]:
    """The test files over `workers` promtool runs, largest first to the least loaded (size: the tests' input)."""
    shares: list[list[Path]] = [[] for _ in range(max(1, min(workers, len(paths))))]
    loads = [0] * len(shares)
    for path in sorted(paths, key=lambda p: -p.stat().st_size):
        least = loads.index(min(loads))
        shares[least].append(path)
        loads[least] += path.stat().st_size
    return shares


def _rule_count(rule_files: list[Path]) -> int:
    try:
        return sum(len(g.get("rules") or []) for f in rule_files for g in yaml.safe_load(f.read_text())["groups"])
    except Exception:  # noqa: BLE001 - promtool names what is wrong
        return 0


def _promtool(files: list[str], cwd: Path, promtool: str, timeout: float) -> tuple[int, str]:
    if not files:
        return 0, ""
    try:
        proc = subprocess.run([promtool, "test", "rules", *files], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise UserError(f"promtool took over {timeout:.0f} s on {cwd / files[0]}; split the test file") from None
    return proc.returncode, proc.stdout + proc.stderr
