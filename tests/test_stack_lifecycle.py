"""`monsuite stack up/status/down` for real, per runtime; and interruption at several points of a start.

Whatever the moment of a Ctrl-C or SIGTERM, no process, container or run directory of that run may remain.
"""

from __future__ import annotations

import json
import os
import signal
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


INTERRUPTIONS = [
    # (runtime, signal, number of "ready" lines seen before the signal is sent)
    ("process", signal.SIGINT, 0),
    ("process", signal.SIGTERM, 1),
    ("process", signal.SIGINT, 5),
    ("process", signal.SIGTERM, "all"),  # every component ready; waiting for the stack to be usable
    ("docker", signal.SIGINT, 2),
    ("docker", signal.SIGTERM, "all"),
]


@pytest.mark.parametrize("runtime, sig, after_ready", INTERRUPTIONS,
                         ids=[f"{r}-{s.name}-after-{n}-ready" for r, s, n in INTERRUPTIONS])
def test_an_interrupted_start_leaves_nothing_behind(runtime, sig, after_ready, tmp_path):
    if runtime == "docker":
        docker_or_skip()
    state_file = tmp_path / "state.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monsuite", "stack", "up", "--stack", DEFAULT_STACK, "--runtime", runtime,
         "--state-file", str(state_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # A shell that runs the tests in the background has SIGINT ignored, and a child would inherit that
        # and never see the Ctrl-C this test sends: give it the default disposition, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    first = proc.stdout.readline()
    assert first.startswith("run "), first + proc.stderr.read()
    run_id = first.split()[1].rstrip(":")
    # "all": every component is ready and the stack waits to be usable (Prometheus' discovery tick).
    marker = "waiting for the stack to be usable" if after_ready == "all" else " ready after "
    wanted = 1 if after_ready == "all" else after_ready
    seen = 0
    while seen < wanted:
        line = proc.stdout.readline()
        assert line, "stack up ended before the interruption point: " + proc.stderr.read()
        seen += marker in line
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, f"exit {proc.returncode}: {err}"
    assert "interrupted" in err
    assert leftovers(run_id) == []
    assert not state_file.exists()

