"""`pytest` and `monsuite stack up` together: a test run uses the stack `stack up` started (its state file)
instead of starting a second one, leaves it up, and a run that asks for another stack is told why not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monsuite.runtimes.process import is_alive
from tests.leftovers import leftovers
from tests.test_stack_lifecycle import monsuite

ROOT = Path(__file__).resolve().parents[1]
SUITE = str(ROOT / "suites" / "test_health.py")

pytestmark = pytest.mark.live


def _pytest(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", SUITE, "-p", "no:cacheprovider", "-q", *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def test_a_test_run_attaches_to_the_stack_that_is_up(tmp_path):
    state_file = tmp_path / "state.json"
    up = monsuite("stack", "up", "--stack", "minimal", "--runtime", "process", state_file=state_file, timeout=300)
    assert up.returncode == 0, up.stderr + up.stdout
    state = json.loads(state_file.read_text())
    try:
        run = _pytest("--state-file", str(state_file), cwd=tmp_path)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        assert f"attached to run {state['run_id']}" in run.stdout
        assert "ready after" not in run.stdout, "a component was started although the stack was up"
        after = json.loads(state_file.read_text())
        assert after["run_id"] == state["run_id"]
        for name, component in after["components"].items():
            if component.get("pid"):
                assert is_alive(component["pid"], component.get("pid_start_ticks")), f"{name} was stopped by the test run"
        assert monsuite("stack", "status", state_file=state_file).returncode == 0

        other = _pytest("--state-file", str(state_file), "--stack", "default", cwd=tmp_path)
        errors = [line for line in other.stdout.splitlines() + other.stderr.splitlines() if line.startswith("ERROR: monsuite:")]
        assert other.returncode == 4 and len(errors) == 1, other.stdout[-2000:] + other.stderr[-2000:]
        assert "stack down" in errors[0] and "not default" in errors[0]
    finally:
        down = monsuite("stack", "down", state_file=state_file)
    assert down.returncode == 0, down.stderr
    assert leftovers(state["run_id"]) == []
