"""Every receiver of the stack's Alertmanager delivers to its sink: routed as configured, in the
channel's documented shape, and only to the receivers its route names."""

from __future__ import annotations

import json
import uuid

import pytest

from monsuite.clients.alertmanager import AlertmanagerClient, alert
from monsuite.sinks.payloads import mentions_alert
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

# label set -> receivers, as stacks/default/alertmanager.yml.j2 routes them
ROUTES = {
    "critical": ({"severity": "critical", "team": "platform"}, {"pagerduty", "discord"}),
    "emergency": ({"severity": "emergency", "team": "platform"}, {"pagerduty", "discord", "webhook"}),
    "warning": ({"severity": "warning", "team": "platform"}, {"slack"}),
    "info": ({"severity": "info", "team": "platform"}, {"webhook"}),
    "database": ({"severity": "warning", "team": "database"}, {"database-team"}),
    "unrouted": ({"team": "platform"}, {"default-email"}),
}
CHANNELS = {"pagerduty": "pagerduty", "discord": "discord", "webhook": "webhook", "slack": "slack",
            "database-team": "email", "default-email": "email"}


@pytest.fixture
def alertmanager(stack, alertmanager_url):
    if stack.manifest.name != "default":
        pytest.skip("the routing table of this suite is the default stack's")
    return AlertmanagerClient(alertmanager_url)


def mentions(alertname: str):
    return lambda delivery: mentions_alert(delivery, alertname)


@pytest.mark.parametrize("case", sorted(ROUTES))
def test_an_alert_reaches_exactly_its_receivers(case, alertmanager, sinks):
    labels, expected = ROUTES[case]
    alertname = f"MonsuiteReceiverCheck{uuid.uuid4().hex[:8]}"
    annotations = {"summary": f"receiver check {case}", "description": "posted by the receivers suite",
                   "runbook_url": "https://docs.windmill-platform.io/runbooks/check"}
    # Its own service label keeps it out of other cases' inhibition (critical inhibits warning per service).
    full_labels = {"alertname": alertname, "cluster": "windmill-platform", "service": alertname, **labels}
    alertmanager.post_alerts([alert(full_labels, annotations)])

    routed = wait_until(lambda: alertmanager.alerts(f'alertname="{alertname}"'), timeout=10,
                        what=f"{alertname} in Alertmanager", accept=lambda found: bool(found))
    assert {r["name"] for r in routed[0]["receivers"]} == expected

    for receiver in expected:
        delivery = sinks.wait_for(receiver, match=mentions(alertname), timeout=20)[0]
        assert delivery["channel"] == CHANNELS[receiver]
        assert delivery["problems"] == [], delivery["problems"]
        assert "<no value>" not in json.dumps(delivery["body"])
    others = {d["receiver"] for d in sinks.deliveries() if mentions(alertname)(d)} - expected
    assert not others, f"also delivered to {others}"


def test_a_resolved_alert_is_delivered_as_resolved(alertmanager, sinks):
    alertname = f"MonsuiteResolveCheck{uuid.uuid4().hex[:8]}"
    labels = {"alertname": alertname, "cluster": "windmill-platform", "severity": "info"}
    alertmanager.post_alerts([alert(labels, {"summary": "resolve check"})])
    sinks.wait_for("webhook", match=mentions(alertname), timeout=20)
    alertmanager.post_alerts([alert(labels, {"summary": "resolve check"}, resolved=True)])
    resolved = sinks.wait_for("webhook", timeout=20,
                              match=lambda d: mentions(alertname)(d) and d["body"]["status"] == "resolved")
    assert resolved[0]["body"]["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
