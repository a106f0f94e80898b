"""`monsuite nightly` for real on the minimal stack: campaign, dashboards, a fault-free Locust session and the
SLO report in one directory, with the conformance SLOs measured by the run itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from monsuite.paths import shipped_stack
from monsuite.slo.invariants import report_problems

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_the_nightly_command_leaves_one_report(tmp_path):
    out = tmp_path / "nightly"
    done = subprocess.run([sys.executable, "-m", "monsuite", "nightly", "--stack", "minimal", "--runtime", "process",
                           "--spec", str(shipped_stack("default") / "slo.yaml"), "--duration", "10s", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("report.html", "report.json", "junit.xml", "summary.md", "alerts.json", "alerts.html", "nightly.json"):
        assert (out / name).exists(), name
    slos = {s["key"]: s for s in json.loads((out / "report.json").read_text())["slos"]}
    for key in ("monitoring/alert-latency", "monitoring/alert-accuracy", "monitoring/alert-noise", "monitoring/dashboard-load",
                "monitoring/trace-coverage"):
        assert slos[key]["sli"] is not None, f"{key} was not measured by the run"
    assert slos["monitoring/metrics-collection"]["sli"] is not None
    assert "scaled 1/60" in slos["monitoring/metrics-collection"]["window"]
    assert done.returncode == (1 if any(s["verdict"] == "violated" for s in slos.values()) else 0)
    timings = json.loads((out / "nightly.json").read_text())["seconds"]
    assert set(timings) == {"campaign", "dashboards", "load", "traces", "slo_report"}
    assert (out / "report.html").read_text().count("data:image/png;base64,") >= 2  # SLI plots and alert latency
    report = json.loads((out / "report.json").read_text())
    assert report_problems(report) == []  # the sections agree
    # the campaign's injected faults are planned: kept out and costed apart, never burning the budget
    assert report["excluded"] and all(e["reason"].startswith("planned fault: ") for e in report["excluded"])
    collection = slos["monitoring/metrics-collection"]
    assert collection["excluded"]["slices_excluded"] > 0 and collection["excluded"]["slices_kept"] > 0
    assert [b["factor"] for b in collection["burn_rates"]] == [14.4, 6.0, 3.0, 1.0]
    assert "planned fault" in (out / "report.html").read_text()
