"""`monsuite stack up/status/down` for real, per runtime (interruptions: tests/test_interrupt_chaos.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monsuite.runtimes import docker
from tests.leftovers import leftovers

pytestmark = [pytest.mark.live, pytest.mark.slow]

DEFAULT_STACK = str(Path(__file__).resolve().parent.parent / "stacks" / "default")
CORE = ("prometheus", "alertmanager", "node_exporter", "blackbox_exporter", "pushgateway", "demo", "sinks")


def docker_or_skip():
    if docker.client() is None:
        pytest.skip(f"docker runtime unavailable: {docker.daemon_error()}; start dockerd (make setup)")


def monsuite(*args, state_file, timeout=120):
    return subprocess.run([sys.executable, "-m", "monsuite", *args, "--state-file", str(state_file)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("runtime", ["process", "docker"])
def test_up_status_down_leaves_nothing_behind(runtime, tmp_path):
    if runtime == "docker":
        docker_or_skip()
    state_file = tmp_path / "state.json"
    up = monsuite("stack", "up", "--stack", DEFAULT_STACK, "--runtime", runtime, state_file=state_file)
    assert up.returncode == 0, up.stderr + up.stdout
    state = json.loads(state_file.read_text())
    run_id = state["run_id"]
    try:
        for name in CORE:
            assert name in state["components"], f"{name} not started: {state['unavailable'].get(name)}"
        if runtime == "docker":
            containers = [n for n, c in state["components"].items() if c["runtime"] == "docker"]
            assert {"prometheus", "alertmanager", "node_exporter"} <= set(containers), state["components"]
        assert state["usable_seconds"] > 0
        # Usable means ready for the checks: run at once, they give the verdict they give later. (Under the
        # docker runtime PostgreSQL has no image here, so the Database panels rightly have no data.)
        if runtime == "process":
            assert_checks_pass_at_once(state["components"]["prometheus"]["url"])

        status = monsuite("stack", "status", state_file=state_file)
        assert status.returncode == 0, status.stdout + status.stderr
        targets_line = next(line for line in status.stdout.splitlines() if line.startswith("prometheus targets:"))
        up_count, total = targets_line.split()[2].split("/")
        assert up_count == total and int(total) >= 8, targets_line
        assert "alertmanagers discovered: 1" in targets_line
    finally:
        down = monsuite("stack", "down", state_file=state_file)
    assert down.returncode == 0, down.stderr
    assert not state_file.exists()
    assert leftovers(run_id) == []


def assert_checks_pass_at_once(prometheus_url: str) -> None:
    dashboards = sorted(str(p) for p in (Path(DEFAULT_STACK) / "dashboards").glob("*.json"))
    check = subprocess.run([sys.executable, "-m", "monsuite", "dashboards", "check", *dashboards,
                            "--prometheus-url", prometheus_url], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    metrics = subprocess.run([sys.executable, "-m", "monsuite", "metrics", "check", "--stack", DEFAULT_STACK,
                              "--prometheus-url", prometheus_url], capture_output=True, text=True, timeout=120)
    assert metrics.returncode == 0, metrics.stdout + metrics.stderr
