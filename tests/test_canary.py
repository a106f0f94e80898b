"""The pipeline canary: its rule (checked and unit-tested by promtool itself), its route, its measurement."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest
import yaml

from monsuite.alerts import canary


def test_period_leaves_room_for_evaluation_and_group_wait():
    ci = canary.CanarySettings.for_profile({"evaluation_interval": "250ms", "group_wait": "167ms"})
    real = canary.CanarySettings.for_profile({"evaluation_interval": "15s", "group_wait": "10s"})
    assert ci.period_seconds == 4 and real.period_seconds == 100
    assert canary.CanarySettings.for_profile({"evaluation_interval": "1s"}).group_wait_ms == 0


def write_configs(tmp_path):
    (tmp_path / "prometheus.yml").write_text("global: {scrape_interval: 1s}\nrule_files: [rules/*.yml]\n")
    (tmp_path / "alertmanager.yml").write_text(textwrap.dedent("""\
        route:
          receiver: team
          routes: [{receiver: other, matchers: ['severity="critical"']}]
        receivers: [{name: team}, {name: other}]
        """))


def test_install_adds_rule_route_and_receiver_without_touching_the_rest(tmp_path):
    write_configs(tmp_path)
    settings = canary.CanarySettings(2, 250, 200)
    assert canary.install(tmp_path, settings, "http://127.0.0.1:1", smtp_port=2525)
    prometheus = yaml.safe_load((tmp_path / "prometheus.yml").read_text())
    alertmanager = yaml.safe_load((tmp_path / "alertmanager.yml").read_text())
    assert prometheus["rule_files"] == ["rules/*.yml", str(tmp_path / canary.RULE_FILE)]
    first, second = alertmanager["route"]["routes"]
    assert first["receiver"] == canary.RECEIVER and first["group_by"] == ["..."] and first["group_wait"] == "200ms"
    assert second == {"receiver": "other", "matchers": ['severity="critical"']}
    assert [r["name"] for r in alertmanager["receivers"]] == ["team", "other", canary.RECEIVER]
    channels = alertmanager["receivers"][-1]
    assert channels["webhook_configs"][0]["url"] == "http://127.0.0.1:1/webhook/monsuite-canary"
    assert channels["email_configs"][0]["smarthost"] == "127.0.0.1:2525"
    assert {"slack_configs", "pagerduty_configs", "discord_configs"} <= set(channels)


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not on PATH (Debian: apt-get install prometheus-alertmanager)")
def test_amtool_accepts_the_alertmanager_config_with_the_canary(tmp_path):
    write_configs(tmp_path)
    canary.install(tmp_path, canary.CanarySettings(2, 250, 200), "http://127.0.0.1:1", smtp_port=2525)
    check = subprocess.run(["amtool", "check-config", str(tmp_path / "alertmanager.yml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_install_changes_nothing_without_an_alertmanager_route(tmp_path):
    (tmp_path / "prometheus.yml").write_text("global: {}\n")
    (tmp_path / "alertmanager.yml").write_text("receivers: []\n")
    assert not canary.install(tmp_path, canary.CanarySettings(2, 250, 200), "http://127.0.0.1:1/x")
    assert not (tmp_path / canary.RULE_FILE).exists()


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not on PATH (Debian: apt-get install prometheus)")
def test_promtool_accepts_the_rule_and_it_fires_once_per_cycle_with_its_number(tmp_path):
    rules = tmp_path / "canary.yml"
    rules.write_text(yaml.safe_dump(canary.CanarySettings(4, 1000, 0).rule_group(), sort_keys=False))
    check = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    def firing(cycle):  # one alert per lane, each its own label set
        return [{"exp_labels": {canary.CYCLE_LABEL: str(cycle), canary.LANE_LABEL: f"lane-{lane}", "monsuite": "canary"},
                 "exp_annotations": canary.CanarySettings(4, 1000, 0).rule_group()["groups"][0]["rules"][0]["annotations"]}
                for lane in range(1, canary.LANES + 1)]

    tests = {"rule_files": [str(rules)], "evaluation_interval": "1s", "tests": [{
        "interval": "1s", "input_series": [],
        "alert_rule_test": [
            {"eval_time": "1s", "alertname": canary.ALERT, "exp_alerts": firing(0)},
            {"eval_time": "2s", "alertname": canary.ALERT, "exp_alerts": []},
            {"eval_time": "5s", "alertname": canary.ALERT, "exp_alerts": firing(1)},
            {"eval_time": "7s", "alertname": canary.ALERT, "exp_alerts": []},
        ]}]}
    test_file = tmp_path / "canary_test.yml"
    test_file.write_text(yaml.safe_dump(tests, sort_keys=False))
    run = subprocess.run(["promtool", "test", "rules", str(test_file)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


class RecordedPrometheus:
    """Answers the one range query samples() makes, shaped as Prometheus' /api/v1/query answers it."""

    def __init__(self, series):
        self.series = series

    def query_at(self, expr, at):
        assert expr.startswith(f'ALERTS{{alertname="{canary.ALERT}",alertstate="firing"}}[')
        return [{"metric": {"alertname": canary.ALERT, canary.CYCLE_LABEL: c, canary.LANE_LABEL: lane},
                 "values": [[t, "1"] for t in times]}
                for (c, lane), times in self.series.items()]


def webhook(cycle, arrived_at, status="firing", lane="lane-1"):
    return {"receiver": canary.RECEIVER, "channel": "webhook", "arrived_at": arrived_at,
            "body": {"alerts": [{"status": status, "labels": {canary.CYCLE_LABEL: cycle, canary.LANE_LABEL: lane}}]}}


def slack(cycle, arrived_at, lane="lane-1"):
    return {"receiver": canary.RECEIVER, "channel": "slack", "arrived_at": arrived_at,
            "body": {"attachments": [{"title": f"[FIRING:1] MonsuiteCanary ({cycle} {lane} canary)"}]}}


def test_samples_pair_each_cycle_and_lanes_first_firing_with_its_last_channel():
    prometheus = RecordedPrometheus({("1000010", "lane-1"): [100.0, 100.25, 100.5], ("1000010", "lane-2"): [100.0],
                                     ("1000011", "lane-1"): [102.0], ("1000012", "lane-1"): [104.0]})
    deliveries = [webhook("1000010", 100.31), slack("1000010", 100.35), webhook("1000010", 101.0),
                  webhook("1000010", 100.33, lane="lane-2"), slack("1000010", 100.4, lane="lane-2"),
                  webhook("1000011", 102.2), slack("1000011", 102.25),
                  webhook("1000012", 104.3, "resolved"), slack("1000012", 104.3),  # never firing at the webhook
                  {**webhook("1000011", 99.0), "receiver": "someone-else"}]
    found = canary.samples(prometheus, deliveries, since=99.0, until=110.0)
    assert [(s.cycle, s.firing, s.delivered) for s in found] == [
        ("1000010/lane-1", 100.0, 100.35), ("1000010/lane-2", 100.0, 100.4), ("1000011/lane-1", 102.0, 102.25)]
    assert round(found[0].excess_ms(200), 1) == 150.0
