"""The commands on configuration as deployed: malformed manifests get one line naming file and object
(exit 2), and CI formats print GitHub Actions annotations on the user's own file and line."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest
import yaml

from monsuite.cli import main
from tests.reference_configs import needs_reference, reference

MANIFESTS = reference("kube-prometheus/manifests")


def run(capsys, *argv) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name, body, field", [
    ("rule.yaml", {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                   "metadata": {"name": "broken", "namespace": "team-a"}, "spec": {"rulez": []}},
     "PrometheusRule/team-a/broken: spec.groups"),
    ("secret.yaml", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "alertmanager-main", "namespace": "monitoring"},
                     "data": {"alertmanager.yaml": "not base64 !"}},
     "Secret/monitoring/alertmanager-main: data.alertmanager.yaml"),
    ("amc.yaml", {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
                  "metadata": {"name": "team", "namespace": "team-a"},
                  "spec": {"route": {"receiver": "pager"}, "receivers": [{"name": "chat"}]}},
     "AlertmanagerConfig/team-a/team: spec.route.receiver"),
])
def test_a_malformed_manifest_is_one_line_naming_file_and_object(tmp_path, capsys, name, body, field):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body))
    flag = "--rules" if name == "rule.yaml" else "--config"
    argv = ("rules", "check", str(path)) if flag == "--rules" else ("routes", "test", "--config", str(path), str(tmp_path / "cases.yaml"))
    (tmp_path / "cases.yaml").write_text("routes: [{labels: {a: b}, receivers: [x]}]\n")
    status, _, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert status == 2
    assert len(lines) == 1 and str(path) in lines[0] and field in lines[0], lines


@needs_reference
def test_rules_check_annotates_the_manifest_it_read(tmp_path, capsys):
    manifest = yaml.safe_load(MANIFESTS.joinpath("grafana-prometheusRule.yaml").read_text())
    manifest["spec"]["groups"][0]["rules"][0]["expr"] = "sum(up"
    (tmp_path / "grafana-prometheusRule.yaml").write_text(yaml.safe_dump(manifest))
    status, out, _ = run(capsys, "rules", "check", str(tmp_path), "--format", "github")
    assert status == 1
    annotation = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(annotation) == 1
    assert annotation[0].startswith(f"::error file={tmp_path}/grafana-prometheusRule.yaml,line=1,title=promtool check rules::")
    assert "/tmp/monsuite-deployed" not in out  # the unwrapped copy is never what is named


@needs_reference
def test_rules_test_annotates_the_failing_case_and_gates_on_coverage(capsys):
    failing = reference("prometheus/cmd/promtool/testdata/failing.yml")
    status, out, _ = run(capsys, "rules", "test", str(failing), "--format", "github")
    assert status == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert [e.split("::")[1] for e in errors] == [f"error file={failing},line=6,title=promtool test rules",
                                                   f"error file={failing},line=26,title=promtool test rules"]
    assert errors[0].endswith("::test 'Failing test' failed%0Aalert Test at 0s (test 'Failing test')%0A"
                              "    missing alert   {alertname=\"Test\"}%0Aexpr \"test\" at 0s%0A    expected {__name__=\"test\"} 1E+00%0A"
                              "    got      {__name__=\"test\"} 0E+00")
    passing = reference("prometheus/cmd/promtool/testdata/unittest.yml")
    status, out, _ = run(capsys, "rules", "test", str(passing), "--min-coverage", "1")
    assert "alert rule coverage: " in out


@needs_reference
def test_rules_test_writes_junit(capsys):
    failing = reference("prometheus/cmd/promtool/testdata/failing.yml")
    status, out, _ = run(capsys, "rules", "test", str(failing), "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert status == 1 and suite.get("tests") == "2" and suite.get("failures") == "2"
    assert [case.get("line") for case in suite.iter("testcase")] == ["6", "26"]


def test_a_test_file_may_name_a_prometheusrule_manifest(tmp_path, capsys):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "api", "namespace": "prod"},
        "spec": {"groups": [{"name": "api", "rules": [{"alert": "APIDown", "expr": "up == 0", "for": "1m"},
                                                      {"alert": "Untested", "expr": "vector(1)"}]}]}}))
    (tmp_path / "test.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"], "tests": [{
        "interval": "1m", "input_series": [{"series": 'up{job="api"}', "values": "0x5"}],
        "alert_rule_test": [{"eval_time": "2m", "alertname": "APIDown", "exp_alerts": [{"exp_labels": {"job": "api"}}]}]}]}))
    status, out, _ = run(capsys, "rules", "test", str(tmp_path / "test.yaml"), "--min-coverage", "0.9", "--format", "github")
    assert status == 1  # the test passes; coverage 1/2 is below 0.9
    assert out.splitlines()[0] == f"PASSED      {tmp_path}/test.yaml"
    assert "alert rule coverage: 1/2 (50%)" in out
    assert f"::warning file={tmp_path}/rules.yaml,line=13,title=no test::alert rule Untested" in out


def test_a_secret_holding_the_config_base64(tmp_path, capsys):
    config = "route: {receiver: team}\nreceivers: [{name: team}]\n"
    (tmp_path / "secret.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "am"},
                                                          "data": {"alertmanager.yaml": base64.b64encode(config.encode()).decode()}}))
    (tmp_path / "cases.yaml").write_text("routes: [{labels: {a: b}, receivers: [team]}]\n")
    status, out, _ = run(capsys, "routes", "test", "--config", str(tmp_path / "secret.yaml"), str(tmp_path / "cases.yaml"), "--no-live")
    assert status == 0, out
    assert out.splitlines()[0].startswith(f"{tmp_path}/secret.yaml (Secret/am): 1 routing")


@needs_reference
def test_init_from_a_folder_of_real_manifests(tmp_path, capsys):
    """kube-prometheus' Alertmanager objects (its PrometheusRule, the Secret, the dashboards' List), read as a folder."""
    folder = tmp_path / "manifests"
    folder.mkdir()
    for name in ("alertmanager-prometheusRule.yaml", "alertmanager-secret.yaml", "grafana-dashboardDefinitions.yaml",
                  "alertmanager-service.yaml", "alertmanager-serviceMonitor.yaml"):
        (folder / name).symlink_to(MANIFESTS / name)
    status, out, err = run(capsys, "init", str(tmp_path / "stack"), "--from", str(folder))
    assert status == 0, err
    assert out.splitlines()[0] == (f"{folder}: 5 files; read 33 ConfigMap, 1 PrometheusRule, 1 Secret (1 rule files, "
                                   "an Alertmanager config, 33 dashboards); ignored: 1 Service, 1 ServiceMonitor")
    stack = tmp_path / "stack"
    assert [p.name for p in (stack / "rules").iterdir()] == ["monitoring-alertmanager-main-rules.yml"]
    assert len(list((stack / "dashboards").iterdir())) == 33
    routes = yaml.safe_load((stack / "routes.yaml").read_text())["routes"]
    assert len(routes) == 9
    # the Secret's routing tree: critical alerts to Critical, the rest to Default
    assert {r["labels"]["alertname"]: r["receivers"] for r in routes}["AlertmanagerClusterDown"] == ["Critical"]
    assert {r["labels"]["alertname"]: r["receivers"] for r in routes}["AlertmanagerFailedToSendAlerts"] == ["Default"]


def test_rules_mutate_annotates_surviving_mutants_on_the_manifest(tmp_path, capsys):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "api", "namespace": "prod"},
        "spec": {"groups": [{"name": "api", "rules": [{"alert": "APIDown", "expr": "up == 0", "for": "1m"}]}]}}))
    (tmp_path / "test.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"], "tests": [{
        "interval": "1m", "input_series": [{"series": 'up{job="api"}', "values": "0x5"}],
        "alert_rule_test": [{"eval_time": "2m", "alertname": "APIDown", "exp_alerts": [{"exp_labels": {"job": "api"}}]}]}]}))
    status, out, _ = run(capsys, "rules", "mutate", "--rules", str(tmp_path / "rules.yaml"), "--tests", str(tmp_path / "test.yaml"),
                         "--min-score", "0.9", "--format", "github")
    warnings = [line for line in out.splitlines() if line.startswith("::warning ")]
    assert status == 1 and warnings
    assert all(w.startswith(f"::warning file={tmp_path}/rules.yaml,line=10,title=mutant survived::APIDown: ") for w in warnings)
    assert f"::error file={tmp_path}/rules.yaml,line=1,title=mutation score::" in out


def test_scenarios_check_annotates_each_alert_rule_without_a_scenario(capsys):
    status, out, _ = run(capsys, "scenarios", "check", "--stack", "minimal", "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert status == 0 and suite.get("failures") == "0" and int(suite.get("tests")) >= 1
    assert all(case.get("line") and case.get("file", "").endswith(".yml") for case in suite.iter("testcase"))
