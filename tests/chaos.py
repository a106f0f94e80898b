"""Interrupt a monsuite run at a chosen point with chosen signals, and find what it left behind.

A point is "after the Nth output line containing MARKER"; the signals follow it with the given delays
(a double Ctrl-C is two SIGINTs). Used by tests/test_interrupt_chaos.py (a bounded set in CI) and by
scripts/interrupt_chaos.py (every point).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.ports import port_is_open
from tests.leftovers import leftovers
from tests.sockets import port_held_by_other_run

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STACK = str(ROOT / "stacks" / "default")
READY = " ready after "
USABLE_WAIT = "waiting for the stack to be usable"
STOPPING = "stopping "
CHAOS_TEST = '''
def test_uses_the_stack(stack):
    print("chaos: test running", flush=True)
    assert stack.usable_seconds
'''


@dataclass(frozen=True)
class Point:
    command: str  # "up", "down" (of a stack started beforehand) or "pytest" (a session using the stack)
    runtime: str
    marker: str
    count: int
    signals: tuple[tuple[signal.Signals, float], ...]  # (signal, seconds after the point or the previous one)
    in_ci: bool = False

    @property
    def name(self) -> str:
        plan = "+".join(f"{s.name}@{d:g}s" for s, d in self.signals)
        return f"{self.command}-{self.runtime}-after-{self.count}x{self.marker.strip().split()[0]}-{plan}"


@dataclass
class Outcome:
    run_id: str
    returncode: int
    stdout: str
    stderr: str
    ports: list[int] = field(default_factory=list)
    reached: bool = True  # False: the run ended before the point (nothing was interrupted)

    def problems(self, state_file: Path) -> list[str]:
        found = leftovers(self.run_id)
        found += [f"port {p} still open" for p in self.ports
                  if port_is_open(p) and not port_held_by_other_run(p, self.run_id)]
        if state_file.exists():
            found.append(f"state file {state_file} left")
        return found


def _monsuite(*args: str) -> list[str]:
    return [sys.executable, "-m", "monsuite", *args]


def command_line(point: Point, tmp: Path, state_file: Path) -> list[str]:
    stack = ["--stack", DEFAULT_STACK, "--runtime", point.runtime]
    if point.command == "up":
        return _monsuite("stack", "up", *stack, "--state-file", str(state_file))
    if point.command == "down":
        return _monsuite("stack", "down", "--state-file", str(state_file))
    test_file = tmp / "test_chaos_session.py"
    test_file.write_text(CHAOS_TEST)
    return [sys.executable, "-m", "pytest", str(test_file), "-s", "-p", "no:cacheprovider",
            "--rootdir", str(tmp), *stack]


def run_point(point: Point, tmp: Path, timeout: float = 120) -> Outcome:
    state_file = tmp / "state.json"
    run_id = uuid.uuid4().hex[:12]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MONSUITE_RUN_ID_OVERRIDE": run_id}
    if point.command == "down":
        up = subprocess.run(command_line(Point("up", point.runtime, "", 0, ()), tmp, state_file),
                            capture_output=True, text=True, env=env, timeout=timeout)
        assert up.returncode == 0, up.stdout + up.stderr
    proc = subprocess.Popen(
        command_line(point, tmp, state_file), cwd=tmp, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # A shell that runs tests in the background has SIGINT ignored, and a child would inherit that:
        # give it the default disposition, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen, lines = 0, []
    while seen < point.count:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        seen += point.marker in line
    reached = seen >= point.count
    ports = _ports_in(state_file)
    if reached:
        for sig, delay in point.signals:
            time.sleep(delay)  # the point is "this long after": a delay, not a wait for a condition
            if proc.poll() is None:
                proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return Outcome(run_id, proc.returncode, "".join(lines) + out, err, ports, reached)


def _ports_in(state_file: Path) -> list[int]:
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return []
    return [port for component in state.get("components", {}).values()
            if component.get("runtime") != "external" for port in component.get("ports", {}).values()]


def clean_up(tmp: Path) -> None:
    """Stop what a failed point left, so one failure does not spill into the next point."""
    state_file = tmp / "state.json"
    if state_file.exists():
        subprocess.run(_monsuite("stack", "down", "--state-file", str(state_file)), capture_output=True, timeout=120)


SIGINT, SIGTERM = signal.SIGINT, signal.SIGTERM
ONE_INT, ONE_TERM = ((SIGINT, 0.0),), ((SIGTERM, 0.0),)


def double(gap: float) -> tuple:
    return ((SIGINT, 0.0), (SIGINT, gap))


POINTS = [
    # stack up, process runtime: before the first component, between components, while waiting to be usable
    Point("up", "process", "scenario history", 1, ONE_INT, in_ci=True),
    *(Point("up", "process", READY, n, ONE_INT, in_ci=n in (1, 6)) for n in (1, 3, 6, 9, 12)),
    *(Point("up", "process", READY, n, ONE_TERM, in_ci=n == 4) for n in (2, 4, 10)),
    Point("up", "process", USABLE_WAIT, 1, ONE_INT),
    Point("up", "process", USABLE_WAIT, 1, ONE_TERM, in_ci=True),
    *(Point("up", "process", READY, n, double(gap), in_ci=gap == 0.05) for n, gap in ((2, 0.05), (5, 0.2), (8, 0.5))),
    Point("up", "process", USABLE_WAIT, 1, double(0.1), in_ci=True),
    Point("up", "process", READY, 7, ((SIGTERM, 0.0), (SIGINT, 0.1), (SIGTERM, 0.3))),
    # stack up, docker runtime (containers where images exist, processes for the rest)
    Point("up", "docker", READY, 2, ONE_INT, in_ci=True),
    Point("up", "docker", READY, 5, ONE_TERM),
    Point("up", "docker", READY, 3, double(0.2), in_ci=True),
    # stack down of a running stack
    Point("down", "process", STOPPING, 1, ONE_INT, in_ci=True),
    Point("down", "process", STOPPING, 1, double(0.05), in_ci=True),
    Point("down", "process", STOPPING, 1, ONE_TERM),
    Point("down", "docker", STOPPING, 1, double(0.1)),
    # a pytest session using the stack: during its start, its test, its teardown
    Point("pytest", "process", READY, 4, ONE_INT, in_ci=True),
    Point("pytest", "process", "chaos: test running", 1, ONE_TERM),
    Point("pytest", "process", STOPPING, 1, ONE_INT, in_ci=True),
    Point("pytest", "process", STOPPING, 1, double(0.05)),
    Point("pytest", "process", USABLE_WAIT, 1, double(0.3)),
]
