"""Measured values reach the JUnit file with pytest's default junit_family (xunit2) as well as xunit1,
without a warning, and run.json keeps them with their test."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.etree import ElementTree

import pytest

TEST = '''
def test_latency(record_measurement):
    record_measurement("latency_ms", 12.5)
'''


@pytest.mark.parametrize("family", [None, "xunit2", "xunit1"])
def test_a_measured_value_is_in_the_junit_file(tmp_path, family):
    (tmp_path / "test_measured.py").write_text(TEST)
    options = ["-o", f"junit_family={family}"] if family else []
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", *options,
                           "--junitxml", "junit.xml", "--report-dir", "reports", "test_measured.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "incompatible" not in done.stdout + done.stderr
    root = ElementTree.parse(tmp_path / "junit.xml").getroot()
    suite = {p.get("name"): p.get("value") for p in root.iter("testsuite") for p in p.findall("properties/property")}
    assert suite["test_measured.py::test_latency::latency_ms"] == "12.5"
    case = {p.get("name"): p.get("value") for p in root.iter("testcase") for p in p.iter("property")}
    assert case["latency_ms"] == "12.5"
    run = json.loads((tmp_path / "reports" / "run.json").read_text())
    assert [t["measured"] for t in run["tests"] if t.get("measured")] == [{"latency_ms": 12.5}]
