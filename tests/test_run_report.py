"""--report-dir's run.json says how each check ran: live, without a live server (offline: contract and unit
tests), or skipped with its reason."""

from __future__ import annotations

import json
import subprocess
import sys

CHECKS = '''
import pytest

def test_offline():
    assert 1 + 1 == 2

@pytest.mark.live
def test_live_without_its_server():
    pytest.skip("jaeger unavailable: no --jaeger-url given")
'''


def test_each_check_says_how_it_ran(tmp_path):
    (tmp_path / "test_checks.py").write_text(CHECKS)
    done = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path / "test_checks.py"), "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "--report-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    tests = {t["test"].split("::")[1]: t for t in json.loads((tmp_path / "out" / "run.json").read_text())["tests"]}
    assert tests["test_offline"]["mode"] == "offline"
    assert tests["test_live_without_its_server"]["mode"] == "skipped"
    assert tests["test_live_without_its_server"]["reason"] == "jaeger unavailable: no --jaeger-url given"
    assert "without a live server (contract and offline tests): 1 (1 passed)" in done.stdout
