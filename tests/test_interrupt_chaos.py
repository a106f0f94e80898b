"""Ctrl-C, double Ctrl-C and SIGTERM at many points of `stack up`, `stack down` and a pytest session.

Whatever the moment, the run ends as interrupted and no process, container, run directory, open port or
state file of it remains; afterwards a stack starts and stops cleanly. CI runs the points marked in_ci;
scripts/interrupt_chaos.py runs them all.
"""

from __future__ import annotations

import pytest

from tests.chaos import POINTS, clean_up, run_point
from tests.test_stack_lifecycle import docker_or_skip, monsuite

pytestmark = [pytest.mark.live, pytest.mark.slow]

CI_POINTS = [p for p in POINTS if p.in_ci]
INTERRUPTED_EXIT = {"up": 130, "down": 130, "pytest": 2}  # pytest's own status for an interrupted session


@pytest.mark.parametrize("point", CI_POINTS, ids=[p.name for p in CI_POINTS])
def test_an_interrupted_run_leaves_nothing_behind(point, tmp_path):
    if point.runtime == "docker":
        docker_or_skip()
    outcome = run_point(point, tmp_path)
    try:
        assert outcome.reached, f"the run ended before the point ({point.marker!r} x{point.count}): " + outcome.stdout
        assert outcome.returncode == INTERRUPTED_EXIT[point.command], \
            f"exit {outcome.returncode}\n{outcome.stdout[-2000:]}\n{outcome.stderr[-2000:]}"
        if point.command != "pytest":
            assert "interrupted; everything started was stopped" in outcome.stderr
        assert outcome.problems(tmp_path / "state.json") == []
    finally:
        clean_up(tmp_path)


def test_after_the_interruptions_a_stack_starts_and_stops_clean(tmp_path):
    state_file = tmp_path / "state.json"
    up = monsuite("stack", "up", "--stack", "minimal", "--runtime", "process", state_file=state_file)
    assert up.returncode == 0, up.stdout + up.stderr
    down = monsuite("stack", "down", state_file=state_file)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not state_file.exists()
