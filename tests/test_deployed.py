"""Configuration as deployed, read in place: kube-prometheus' rendered manifests (PrometheusRule objects, the
Alertmanager Secret, dashboards in ConfigMaps), the same objects as `helm template` and `kubectl get -o yaml`
print them, Mimir/Cortex ruler namespace files, and AlertmanagerConfig objects merged as the Prometheus
Operator merges them. Ground truth: promtool and amtool on files unwrapped here independently."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from monsuite.deployed import alertmanager, dashboards, rules
from monsuite.rules.model import load_rules
from tests.reference_configs import needs_reference, reference

MANIFESTS = reference("kube-prometheus/manifests")
pytestmark = needs_reference


def _alerts(paths) -> list:
    return [rule for path in paths for rule in load_rules(path) if rule.alert]


def _stream(tmp_path: Path) -> Path:
    """Every object of the folder in one multi-document stream, as `helm template` prints it."""
    text = "".join(f"---\n# Source: kube-prometheus/templates/{p.name}\n{p.read_text()}\n" for p in sorted(MANIFESTS.glob("*.yaml")))
    (tmp_path / "rendered.yaml").write_text(text)
    return tmp_path / "rendered.yaml"


def _list(tmp_path: Path) -> Path:
    """The same objects as one `List`, as `kubectl get -o yaml` prints them."""
    items = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            items.extend(document["items"] if document.get("kind") == "List" else [document])
    (tmp_path / "list.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items,
                                                        "metadata": {"resourceVersion": ""}}))
    return tmp_path / "list.yaml"


def test_the_kube_prometheus_folder_reads_whole():
    sources, found = rules.read(MANIFESTS)
    assert found.files == 84
    assert [s.document.kind for s in sources] == ["PrometheusRule"] * 8
    assert len(_alerts(s.path for s in sources)) == 139
    assert found.ignored["ServiceMonitor"] == 13 and "PrometheusRule" not in found.ignored
    assert len(dashboards.read(MANIFESTS)) == 33


@pytest.mark.parametrize("shape", [_stream, _list])
def test_a_stream_and_a_list_of_the_same_objects_read_the_same(tmp_path, shape):
    source = shape(tmp_path)
    plain_rules = rules.rule_files(source)
    assert len(plain_rules) == 8 and len(_alerts(plain_rules)) == 139
    assert len(dashboards.read(source)) == 33
    merged = yaml.safe_load(alertmanager.config_file(source).read_text())
    assert merged == yaml.safe_load(alertmanager.config_file(MANIFESTS).read_text())
    assert [r["receiver"] for r in merged["route"]["routes"]] == ["Watchdog", "null", "Critical"]


def test_each_rule_line_is_the_line_in_the_users_file():
    source = next(s for s in rules.read(MANIFESTS)[0] if s.document.name == "alertmanager-main-rules")
    lines = MANIFESTS.joinpath("alertmanager-prometheusRule.yaml").read_text().splitlines()
    for (group, name), line in source.rule_lines().items():
        assert lines[line - 1].strip() in (f"- alert: {name}", f"- record: {name}"), (group, name, line)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not on PATH (Debian: apt-get install prometheus)")
def test_promtool_says_the_same_of_each_unwrapped_object_as_of_one_unwrapped_by_hand(tmp_path):
    """Ground truth, rule for rule: promtool on each PrometheusRule's spec taken out by hand (as yq does)."""
    sources = rules.read(MANIFESTS)[0]
    for source in sources:
        by_hand = tmp_path / f"{source.document.name}.yml"
        document = next(d for d in yaml.safe_load_all(source.document.path.read_text()) if d["metadata"]["name"] == source.document.name)
        by_hand.write_text(yaml.safe_dump(document["spec"]))
        ours = subprocess.run(["promtool", "check", "rules", str(source.path)], capture_output=True, text=True)
        theirs = subprocess.run(["promtool", "check", "rules", str(by_hand)], capture_output=True, text=True)
        assert ours.returncode == theirs.returncode
        assert ours.stdout.replace(str(source.path), "F") == theirs.stdout.replace(str(by_hand), "F")
        assert {(r.group, r.alert or r.record, r.expr) for r in load_rules(source.path)} == \
               {(r.group, r.alert or r.record, r.expr) for r in load_rules(by_hand)}


def test_ruler_namespace_files_of_mimir_and_cortex(tmp_path):
    (tmp_path / "team-a.yaml").write_text(
        "namespace: team-a\ngroups:\n  - name: api\n    rules:\n      - alert: APIDown\n        expr: up{job=\"api\"} == 0\n")
    (tmp_path / "team-b.yaml").write_text(
        "namespace: team-b\ngroups:\n  - name: api\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n")
    sources = rules.read(tmp_path)[0]
    assert [s.origin for s in sources] == [f"{tmp_path}/team-a.yaml (namespace team-a)", f"{tmp_path}/team-b.yaml (namespace team-b)"]
    assert [(r.group, r.alert, r.record) for s in sources for r in load_rules(s.path)] == [
        ("api", "APIDown", None), ("api", None, "job:up:sum")]


def test_a_plain_rule_file_is_read_where_it_is():
    plain = reference("prometheus/cmd/promtool/testdata/rules.yml")
    assert rules.rule_files(plain) == [plain]


def test_grafana_operator_dashboards_plain_and_gzipped(tmp_path):
    dashboard = {"title": "Service", "uid": "svc", "panels": [{"type": "timeseries", "targets": [{"expr": "up"}]}]}
    packed = base64.b64encode(gzip.compress(json.dumps(dashboard).encode())).decode()
    (tmp_path / "dashboards.yaml").write_text(yaml.safe_dump_all([
        {"apiVersion": "grafana.integreatly.org/v1beta1", "kind": "GrafanaDashboard", "metadata": {"name": "plain", "namespace": "obs"},
         "spec": {"json": json.dumps(dashboard)}},
        {"apiVersion": "grafana.integreatly.org/v1beta1", "kind": "GrafanaDashboard", "metadata": {"name": "packed", "namespace": "obs"},
         "spec": {"gzipJson": packed}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sidecar", "labels": {"grafana_dashboard": "1"}},
         "data": {"svc.json": json.dumps(dashboard)}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-settings"}, "data": {"settings.json": "{\"debug\": true}"}},
    ]))
    files = dashboards.read(tmp_path)
    assert [json.loads(p.read_text()) for p in files] == [dashboard] * 3
