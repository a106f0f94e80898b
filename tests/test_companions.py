"""Which alerts share a notification group with a scenario's own, read from a real Alertmanager's grouping."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from monsuite.alerts.companions import describe, group_companions
from monsuite.clients.alertmanager import alert
from monsuite.paths import shipped_stack
from monsuite.routing.engines import LiveAlertmanager
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

CONFIG = """
route:
  receiver: slack
  group_by: [alertname]
  group_wait: 1h
  routes:
    - {matchers: [team=apart], receiver: apart, group_by: [alertname, instance]}
receivers:
  - {name: slack}
  - {name: apart}
"""
OWN = {"instance": "generated:9100"}


def _groups(tmp_path, alerts: list[dict]) -> list[dict]:
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG)
    with LiveAlertmanager(config) as alertmanager:
        alertmanager.client.post_alerts([alert(labels) for labels in alerts])
        return wait_until(alertmanager.client.groups, timeout=10, interval=0.1, what="Alertmanager's groups",
                          accept=lambda groups: sum(len(g["alerts"]) for g in groups) == len(alerts))


def test_an_alert_of_the_same_name_in_the_same_group_is_a_companion(tmp_path):
    groups = _groups(tmp_path, [
        {"alertname": "HighLoadAverage", **OWN},
        {"alertname": "HighLoadAverage", "instance": "host:9100"},
        {"alertname": "Other", "instance": "host:9100"},
    ])
    companions = group_companions(groups, "HighLoadAverage", OWN)
    assert {r: [describe(a) for a in alerts] for r, alerts in companions.items()} == {
        "slack": ["{alertname=HighLoadAverage, instance=host:9100}"]}


def test_an_alert_alone_in_its_group_has_none(tmp_path):
    groups = _groups(tmp_path, [
        {"alertname": "HighLoadAverage", "team": "apart", **OWN},
        {"alertname": "HighLoadAverage", "team": "apart", "instance": "host:9100"},
    ])
    assert group_companions(groups, "HighLoadAverage", OWN) == {}
    assert group_companions(groups, "Missing", OWN) == {}


BESIDE_THE_HOST_RULES = """
groups:
  - name: busy
    rules:
      - alert: BusyHost
        # the second half is the host's own alert, firing throughout the campaign (a busy runner's load)
        expr: busy_level > 2 or label_replace(vector(3), "instance", "host:9100", "", "") > 2
        labels: {severity: warning, service: node}
"""
BESIDE_THE_HOST_SCENARIO = """
scenarios:
  - name: busy-beside-the-host
    alert: BusyHost
    fault: {push: {series: [{name: busy_level, value: 4}]}}
    needs: [pushgateway]
    labels: {severity: warning}
    receivers: [slack]
    budget: 30s
"""


def test_a_scenario_resolves_in_a_group_another_alert_of_its_name_keeps_firing(tmp_path):
    """The pushed alert shares its group with the host's own, which never resolves: the group's notification
    after the resolution still says FIRING, and is the only resolution the receiver can be told."""
    stack = tmp_path / "default"
    shutil.copytree(shipped_stack("default"), stack)
    for old in (stack / "rules").glob("*.yml"):
        old.unlink()
    (stack / "rules" / "busy.yml").write_text(BESIDE_THE_HOST_RULES)
    (stack / "scenarios.yaml").write_text(BESIDE_THE_HOST_SCENARIO)
    campaign = subprocess.run([sys.executable, "-m", "monsuite", "campaign", "--stack", str(stack),
                               "--out", str(tmp_path / "report")], capture_output=True, text=True, timeout=600)
    assert campaign.returncode == 0, campaign.stdout[-3000:] + campaign.stderr[-2000:]
    [result] = json.loads((tmp_path / "report" / "run-001.json").read_text())["scenarios"]
    assert result["receivers_resolved"] == ["slack"], result
    [[companion]] = result["resolved_beside"].values()
    assert list(result["resolved_beside"]) == ["slack"] and "instance=host:9100" in companion, result
