"""The stack's SLOs (its slo.yaml) on the live stack: every Prometheus-read SLO has data here, the report
is written, and the generated burn-rate alerts pass their promtool tests."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monsuite.manifest import load_manifest
from monsuite.slo.compute import evaluate_all
from monsuite.slo.invariants import report_problems
from monsuite.slo.report import write_report
from monsuite.slo.rules import write_and_test
from monsuite.slo.spec import load_specs


@pytest.fixture(scope="module")
def slos(request):
    manifest = load_manifest(request.config.getoption("--stack"))
    spec = manifest.directory / "slo.yaml"
    if not spec.exists():
        pytest.skip(f"{manifest.path}: the stack has no slo.yaml")
    return load_specs(spec)


@pytest.mark.live
def test_every_prometheus_slo_has_data_on_the_live_stack(slos, stack, prometheus, request):
    on_prometheus = [s for s in slos if s.kind != "conformance"]
    if not on_prometheus:
        pytest.skip("no SLO of the stack is read from Prometheus")
    results = evaluate_all(on_prometheus, prometheus, at=time.time(), scale=stack.profile_values.get("time_scale", 1))
    out = Path(request.config.getoption("--report-dir")) / "slo"
    data = write_report(results, out, prometheus=prometheus.url, at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    assert [r.key for r in results if r.sli is None] == [], "SLOs without data: their queries select nothing here"
    assert report_problems(data) == [], "the SLO report contradicts itself"
    assert (out / "report.html").exists() and (out / "junit.xml").exists()


def test_the_generated_burn_rate_alerts_pass_their_promtool_tests(slos, tmp_path):
    for done in write_and_test(slos, tmp_path):
        assert done.returncode == 0, " ".join(done.args) + "\n" + done.stdout + done.stderr
