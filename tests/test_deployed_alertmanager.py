"""AlertmanagerConfig objects merged under kube-prometheus' root config (its Secret, read in place) as the
Prometheus Operator merges them; amtool routes cases through the merged config, and each must reach what
the operator's documented merge gives: the namespace matcher on each object's top route, `continue: true`
on it, those routes before the root's own, receivers named <namespace>/<object>/<receiver>."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
import yaml

from monsuite.deployed import alertmanager
from monsuite.routing.cases import Cases, RouteCase
from monsuite.routing.engines import amtool_routes
from tests.reference_configs import needs_reference, reference

SECRET = reference("kube-prometheus/manifests/alertmanager-secret.yaml")
pytestmark = [needs_reference, pytest.mark.skipif(shutil.which("amtool") is None,
                                                  reason="amtool is not on PATH (Debian: apt-get install prometheus-alertmanager)")]

CONFIGS = [
    {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
     "metadata": {"name": "alerts", "namespace": "team-a"},
     "spec": {"route": {"receiver": "pager", "groupBy": ["alertname"], "groupWait": "10s",
                        "matchers": [{"name": "severity", "value": "critical", "matchType": "="}],
                        "routes": [{"receiver": "chat", "matchers": [{"name": "service", "value": "api|web", "matchType": "=~"}]}]},
              "receivers": [{"name": "pager", "webhookConfigs": [{"url": "http://127.0.0.1:9/pager", "sendResolved": True}]},
                            {"name": "chat", "slackConfigs": [{"apiURL": {"name": "slack", "key": "url"}, "channel": "#team-a"}]}],
              "inhibitRules": [{"sourceMatch": [{"name": "alertname", "value": "APIDown", "matchType": "="}],
                                "targetMatch": [{"name": "service", "value": "api", "matchType": "="}], "equal": ["instance"]}]}},
    {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
     "metadata": {"name": "notify", "namespace": "team-b"},
     "spec": {"route": {"receiver": "mail"},
              "receivers": [{"name": "mail", "webhookConfigs": [{"urlSecret": {"name": "hooks", "key": "mail"}}]}]}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "slack", "namespace": "team-a"},
     "data": {"url": base64.b64encode(b"https://hooks.slack.com/services/T0/B0/x").decode()}},
]

# (labels, receivers in routing-tree order), as the operator's documented merge routes them
CASES = [
    ({"severity": "critical", "namespace": "team-a"}, ["team-a/alerts/pager", "Critical"]),
    ({"severity": "critical", "namespace": "team-a", "service": "api"}, ["team-a/alerts/chat", "Critical"]),
    ({"severity": "critical", "namespace": "team-a", "service": "db"}, ["team-a/alerts/pager", "Critical"]),
    ({"severity": "critical", "namespace": "team-a", "service": "apix"}, ["team-a/alerts/pager", "Critical"]),
    ({"severity": "warning", "namespace": "team-a"}, ["Default"]),
    ({"severity": "critical", "namespace": "team-b"}, ["team-b/notify/mail", "Critical"]),
    # a child route matched (with continue), so the root's own receiver is not used
    ({"severity": "warning", "namespace": "team-b"}, ["team-b/notify/mail"]),
    ({"severity": "critical", "namespace": "other"}, ["Critical"]),
    ({"severity": "critical"}, ["Critical"]),
    ({"alertname": "Watchdog", "namespace": "monitoring"}, ["Watchdog"]),
    ({"alertname": "Watchdog", "namespace": "team-b"}, ["team-b/notify/mail", "Watchdog"]),
    ({"alertname": "InfoInhibitor", "namespace": "team-a", "severity": "critical"}, ["team-a/alerts/pager", "null"]),
]


@pytest.fixture
def merged(tmp_path):
    folder = tmp_path / "manifests"
    folder.mkdir()
    shutil.copyfile(SECRET, folder / "alertmanager-secret.yaml")
    (folder / "team-configs.yaml").write_text(yaml.safe_dump_all(CONFIGS))
    return alertmanager.read(folder)


def test_the_merged_config_passes_amtool_check_config(merged):
    proc = subprocess.run(["amtool", "check-config", str(merged.path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert merged.configs == ["AlertmanagerConfig/team-a/alerts", "AlertmanagerConfig/team-b/notify"]
    assert merged.missing_secrets == ["AlertmanagerConfig/team-b/notify: Secret team-b/hooks key mail"]


def test_amtool_routes_the_merged_config_as_the_operator_documents(merged):
    got = amtool_routes(merged.path, Cases(tuple(RouteCase(labels, ()) for labels, _ in CASES), (), ()))
    assert [list(receivers) for receivers in got] == [want for _, want in CASES]


def test_inhibit_rules_and_secrets_are_namespaced(merged):
    config = yaml.safe_load(merged.path.read_text())
    assert config["inhibit_rules"][-1] == {"source_matchers": ['alertname="APIDown"', 'namespace="team-a"'],
                                           "target_matchers": ['service="api"', 'namespace="team-a"'], "equal": ["instance"]}
    chat = next(r for r in config["receivers"] if r["name"] == "team-a/alerts/chat")
    assert chat["slack_configs"][0]["api_url"] == "https://hooks.slack.com/services/T0/B0/x"
