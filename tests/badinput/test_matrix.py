"""Every argument of every command, every careless value its kind admits (tests/badinput/matrix.py):
exit status 2 (or a verdict, exit 1, where the file is what the command checks), one line naming the
argument or the file, no traceback, no secret, nothing written, nothing left running, and no run begun.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monsuite.cli import build_parser, main
from tests.badinput import matrix
from tests.badinput.test_bad_input import _children

COMMAND_CASES = matrix.command_cases()
PYTEST_CASES = matrix.pytest_cases()
FAST_FAILURE_SECONDS = 10  # a refused connection is known at once: no readiness timeout is waited out


class RunBegun(BaseException):
    """Raised where a run would begin (a stack starts, Locust runs): bad input must be refused before."""


@pytest.fixture
def no_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise RunBegun("a run began although an argument was bad")

    monkeypatch.setattr("monsuite.stack.Stack.start", refuse)
    monkeypatch.setattr("monsuite.load.locust_run.run_locust", refuse)
    monkeypatch.setattr("monsuite.load.calibrate.calibrate", refuse)


def _tree(root: Path) -> dict:
    """Every path, and each file's size and time (a directory's time changes when a temporary file comes and goes)."""
    return {str(p.relative_to(root)): None if p.is_dir() else (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_every_argument_declares_its_kind():
    undeclared = [f"monsuite {' '.join(command)} {matrix.label(action)}"
                  for command, parser in matrix.leaf_commands(build_parser())
                  for action in matrix.arguments(parser) if matrix.kind_of(action) is None]
    undeclared += [f"pytest {matrix.label(action)}" for action in matrix.arguments(matrix.pytest_option_parser())
                   if matrix.kind_of(action) is None]
    assert not undeclared, ("give these arguments a type from monsuite.userio.argtypes (Text for free text), so that "
                            f"the bad-input matrix covers them: {undeclared}")


def test_the_matrix_covers_every_command_and_kind():
    commands = {command for command, _ in matrix.leaf_commands(build_parser())}
    covered = {case.command for case, _ in COMMAND_CASES}
    kinds = {case.kind for case, _ in COMMAND_CASES} | {case.kind for case in PYTEST_CASES}
    assert {"input", "output-file", "output-dir", "url", "number", "duration", "time", "range", "stack"} <= kinds
    without = commands - covered - {("components", "build"), ("components", "list"), ("stack", "status"),
                                    ("stack", "down"), ("routes", "test")} | (covered - commands)
    assert not without, f"commands with no careless value to try: {without}"
    assert len(COMMAND_CASES) + len(PYTEST_CASES) >= 300


@pytest.mark.parametrize("case, parser", COMMAND_CASES, ids=[c.id for c, _ in COMMAND_CASES])
def test_a_careless_value_is_one_clear_line(case, parser, tmp_path, monkeypatch, capsys, no_run):
    matrix.prepare(tmp_path)
    work = tmp_path / "work"  # where relative default outputs (reports/...) would land
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "scratch"))
    argv = [matrix.fill(a, tmp_path) for a in matrix.argv_for(case.command, parser, case)]
    before, children = _tree(tmp_path), _children()
    began = time.monotonic()
    status = main(argv)
    seconds = time.monotonic() - began
    out, err = capsys.readouterr()
    shown = f"$ monsuite {' '.join(argv)}\nexit {status}\nstdout: {out[-1500:]}\nstderr: {err[-1500:]}"
    assert status in case.exits, shown
    assert "Traceback" not in out + err, shown
    if case.secret:
        assert case.secret not in out + err, shown
    said = [line for line in err.splitlines() if line.strip()] if status == 2 else \
        [line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert len(said) == 1, shown
    named = [n for n in case.names if n and n in (said[0] if status == 2 else out)]
    assert named, f"the line names none of {case.names}\n{shown}"
    assert _tree(tmp_path) == before, f"something was written\n{shown}"
    assert _children() - children == set(), "processes left running"
    if case.mistake in ("unreachable", "with-credentials"):
        assert seconds < FAST_FAILURE_SECONDS, f"{seconds:.1f}s to say a connection is refused"


def _pytest_run(case: matrix.Case, tmp: Path) -> tuple[matrix.Case, subprocess.CompletedProcess, float]:
    suite = str(Path(__file__).resolve().parents[2] / "suites" / "test_health.py")
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", suite, "-q", "-p", "no:cacheprovider", "--co",
                           case.argument, matrix.fill(case.value, tmp)], capture_output=True, text=True, timeout=120,
                          cwd=tmp / "work", env={**os.environ, "TMPDIR": str(tmp / "scratch")})
    return case, done, time.monotonic() - began


def test_a_careless_pytest_option_is_one_usage_error(tmp_path):
    """pytest's own exit status for a usage error is 4; the line is pytest's `ERROR:` line."""
    matrix.prepare(tmp_path)
    (tmp_path / "work").mkdir()
    before = _tree(tmp_path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda case: _pytest_run(case, tmp_path), PYTEST_CASES))
    problems = []
    for case, done, seconds in runs:
        text = done.stdout + done.stderr
        errors = [line for line in text.splitlines() if line.startswith("ERROR: monsuite:")]
        if done.returncode != 4 or len(errors) != 1 or "Traceback" in text:
            problems.append(f"{case.id}: exit {done.returncode}, {len(errors)} ERROR lines\n{text[-1200:]}")
        elif not any(n in errors[0] for n in case.names):
            problems.append(f"{case.id}: names none of {case.names}: {errors[0]}")
        elif case.secret and case.secret in text:
            problems.append(f"{case.id}: the secret is printed: {errors[0]}")
    assert not problems, "\n".join(problems)
    assert _tree(tmp_path) == before, "something was written"
