"""`monsuite load run`: Locust headless in its own process against a real demo service; thresholds
pass and fail as they should; bad input exits 2."""

import re
import subprocess
import sys

import pytest

from monsuite.errors import ManifestError
from monsuite.load.scenario import load_scenario

pytestmark = [pytest.mark.load, pytest.mark.slow]


def run(*args):
    return subprocess.run([sys.executable, "-m", "monsuite", "load", "run", *map(str, args)], capture_output=True,
                          text=True, timeout=180)


def scenario(tmp_path, thresholds: str, extra: str = ""):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: t\nusers: 5\nspawn_rate: 5\nduration: 3s\n{extra}thresholds:\n{thresholds}")
    return path


def test_generous_thresholds_pass(demo_server, tmp_path):
    result = run(scenario(tmp_path, "  p95_ms: 500\n  error_rate: 0.05\n  min_rps: 10\n"), "--host", demo_server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  p95_ms" in result.stdout and "PASS  min_rps" in result.stdout
    assert re.search(r"load: \d+s of 3s", result.stderr)  # progress while it runs (a line every 10 s in logs)


def test_an_impossible_threshold_fails_the_run(demo_server, tmp_path):
    result = run(scenario(tmp_path, "  p99_ms: 0.001\n  min_rps: 1000000\n"), "--host", demo_server.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  p99_ms" in result.stdout and "FAIL  min_rps" in result.stdout


def test_a_shape_runs_for_its_bounded_time(demo_server, tmp_path):
    result = run(scenario(tmp_path, "  error_rate: 0.05\n", "shape: spike\n"), "--host", demo_server.url)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_input_exits_2(tmp_path, demo_server):
    assert run("no-such-scenario", "--host", demo_server.url).returncode == 2
    outside = run(scenario(tmp_path, "  p95_ms: 1\n"), "--host", "http://example.com")
    assert outside.returncode == 2 and "only ever sent to 127.0.0.1" in outside.stderr


@pytest.mark.parametrize("body, field", [("users: 0\n", "users"), ("duration: forever\n", "duration"),
                                         ("shape: wave\n", "shape"), ("thresholds: {p42: 1}\n", "thresholds")])
def test_scenario_validation_names_the_field(tmp_path, body, field):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(ManifestError, match=field):
        load_scenario(path)
