"""The stack's SLOs (its slo.yaml) on the live stack: every Prometheus-read SLO has data here, the report
is written, and the generated burn-rate alerts pass their promtool tests."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from monsuite.manifest import load_manifest
from monsuite.slo.compute import evaluate_all
from monsuite.slo.report import write_report
from monsuite.slo.rules import alert_rule_file, sli_rule_file, unit_tests
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
    write_report(results, out, prometheus=prometheus.url, at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    assert [r.key for r in results if r.sli is None] == [], "SLOs without data: their queries select nothing here"
    assert (out / "report.html").exists() and (out / "junit.xml").exists()


def test_the_generated_burn_rate_alerts_pass_their_promtool_tests(slos, tmp_path):
    (tmp_path / "slo-sli-rules.yml").write_text(sli_rule_file(slos))
    (tmp_path / "slo-alert-rules.yml").write_text(alert_rule_file(slos))
    (tmp_path / "slo-alert-rules.test.yml").write_text(unit_tests(slos, "slo-alert-rules.yml"))
    check = subprocess.run(["promtool", "check", "rules", "slo-sli-rules.yml", "slo-alert-rules.yml"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tested = subprocess.run(["promtool", "test", "rules", "slo-alert-rules.test.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
