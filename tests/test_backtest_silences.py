"""Silences in a backtest's notifications, held against a real Alertmanager: alerts posted to it at known
moments, silences created on it, its deliveries counted at the sinks; the backtest replays the same alerts
with the silences as its API lists them (GET /api/v2/silences) and must count what the sinks got."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from monsuite.backtest.delivery import AlertmanagerPlan, dispatch_histories, route
from monsuite.backtest.notify import AlertHistory
from monsuite.backtest.silences import read_silences
from monsuite.clients.alertmanager import alert
from monsuite.routing.engines import LiveAlertmanager
from monsuite.sinks.local import LocalSinks
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

TICK = 1.0  # group_wait and group_interval: every event below falls half a tick from a flush
CONFIG = """
route: {{receiver: team, group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}}
receivers:
  - {{name: team, webhook_configs: [{{url: '{sink}/webhook/team', send_resolved: true}}]}}
"""
NAMES = ("Plain", "SilencedThroughout", "SilencedOverItsResolve", "SilencedAtFirst")


def test_a_backtest_leaves_out_what_the_silences_of_a_real_alertmanager_left_out(tmp_path):
    with LocalSinks() as sinks:
        config = tmp_path / "alertmanager.yml"
        config.write_text(CONFIG.format(sink=sinks.http_url))
        with LiveAlertmanager(config) as alertmanager:
            client = alertmanager.client
            start = time.time()

            def at(offset: float) -> None:
                wait_until(lambda: time.time() >= start + offset, timeout=offset + 5, interval=0.02,
                           what=f"{offset} s into the schedule")

            client.silence([("alertname", "=", "SilencedThroughout")], "throughout")
            client.silence([("alertname", "=", "SilencedAtFirst")], "for 3 s", minutes=3 / 60)
            at(0.5)
            fired = time.time()
            client.post_alerts([alert({"alertname": name}) for name in NAMES])
            at(3.0)
            client.silence([("alertname", "=", "SilencedOverItsResolve")], "over its resolve")
            at(6.0)
            resolved = time.time()
            client.post_alerts([alert({"alertname": name}, resolved=True) for name in NAMES])
            wait_until(lambda: _told(sinks) == {"Plain": 2, "SilencedOverItsResolve": 1, "SilencedAtFirst": 2},
                       timeout=20, interval=0.2, what="the sinks told of every alert the silences left")
            at(6.0 + 4 * TICK)  # a few more flushes: nothing further may arrive
            received = _told(sinks)
            (tmp_path / "silences.json").write_text(json.dumps(client.silences()))  # as the API answers

        plan = AlertmanagerPlan.read(config)
        plan.silences = read_silences(tmp_path / "silences.json")
        alerts = [AlertHistory({"alertname": name}, [(fired, resolved)]) for name in NAMES]
        sent = dispatch_histories(alerts, resolved + 10, plan, route(plan, alerts)).notifications
        backtested = Counter(dict(n.group)["alertname"] for n in sent)
        assert backtested == received == {"Plain": 2, "SilencedOverItsResolve": 1, "SilencedAtFirst": 2}
        plan.silences = []
        unsilenced = dispatch_histories(alerts, resolved + 10, plan, route(plan, alerts)).notifications
        assert Counter(dict(n.group)["alertname"] for n in unsilenced) == {name: 2 for name in NAMES}


def _told(sinks: LocalSinks) -> Counter:
    return Counter(alert_of["labels"]["alertname"] for delivery in sinks.store.query(receiver="team")
                   for alert_of in delivery.body["alerts"][:1])
