"""Every routing case of the stack's routes.yaml, delivered end to end: an alert with the case's labels
reaches exactly the case's receivers at the sinks, on every channel each receiver's integrations
speak, in the channel's documented shape and with every template value filled."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml

from monsuite.clients.alertmanager import AlertmanagerClient, alert
from monsuite.fixtures.params import parametrize_or_skip
from monsuite.manifest import load_manifest
from monsuite.routing.cases import load_cases
from monsuite.sinks.payloads import mentions_alert
from monsuite.waits import wait_until

pytestmark = pytest.mark.live

CHECK_LABEL = "monsuite_check"  # tells this check's alert from every other of the same name
CHANNELS = {"webhook_configs": "webhook", "slack_configs": "slack", "pagerduty_configs": "pagerduty",
            "discord_configs": "discord", "email_configs": "email"}


def _route_cases(config) -> list:
    path = load_manifest(config.getoption("--stack")).directory / "routes.yaml"
    return list(load_cases(path).routes) if path.exists() else []


def pytest_generate_tests(metafunc):
    if "route_case" in metafunc.fixturenames:
        cases = _route_cases(metafunc.config)
        parametrize_or_skip(metafunc, "route_case", cases, ids=[",".join(f"{k}={v}" for k, v in c.labels.items()) for c in cases],
                            none="the stack has no routing cases (routes.yaml with routes:)")


@pytest.fixture(scope="module")
def channels_of(stack) -> dict[str, set[str]]:
    """receiver -> the sink channels its integrations deliver on, from the Alertmanager config as it runs."""
    rendered = (stack.run_dir / "config" / "alertmanager.yml") if stack.run_dir else None
    if rendered is None or not rendered.exists():
        pytest.skip("the Alertmanager config as it runs is not here (an external stack): receivers cannot be read")
    config = yaml.safe_load(rendered.read_text()) or {}
    return {r["name"]: {CHANNELS[k] for k in r if k in CHANNELS} for r in config.get("receivers", [])}


@pytest.fixture
def alertmanager(alertmanager_url):
    return AlertmanagerClient(alertmanager_url)


def test_an_alert_reaches_exactly_its_receivers(route_case, alertmanager, sinks, channels_of):
    check = uuid.uuid4().hex[:8]
    alertname = route_case.labels.get("alertname") or f"MonsuiteReceiverCheck{check}"
    labels = {**route_case.labels, "alertname": alertname, CHECK_LABEL: check}
    expected = set(route_case.receivers)
    since = max((d["id"] for d in sinks.deliveries()), default=0)
    alertmanager.post_alerts([alert(labels, {"summary": f"receiver check {check}", "description": "posted by the receivers suite"})])
    try:
        routed = wait_until(lambda: alertmanager.alerts(f'{CHECK_LABEL}="{check}"'), timeout=10,
                            what="the check's alert in Alertmanager", accept=bool)
        assert {r["name"] for r in routed[0]["receivers"]} == expected

        def about_this(delivery) -> bool:
            return mentions_alert(delivery, alertname, {CHECK_LABEL: check})

        for receiver in sorted(expected):
            wanted = channels_of.get(receiver, set())
            found = wait_until(lambda: {d["channel"]: d for d in sinks.deliveries(receiver=receiver, since_id=since)
                                        if about_this(d)},
                               timeout=20, what=f"{receiver}'s notification on {sorted(wanted)}",
                               accept=lambda by_channel: wanted <= set(by_channel))
            for delivery in found.values():
                assert delivery["problems"] == [], delivery["problems"]
                assert "<no value>" not in json.dumps(delivery["body"]), f"{receiver}: a template value is missing"
        others = {d["receiver"] for d in sinks.deliveries(since_id=since) if about_this(d)} - expected
        assert not others, f"also delivered to {others}"
    finally:
        alertmanager.post_alerts([alert(labels, resolved=True)])


def test_a_resolved_alert_is_delivered_as_resolved(alertmanager, sinks, channels_of, request):
    cases = [c for c in _route_cases(request.config)
             if any("webhook" in channels_of.get(r, set()) for r in c.receivers)]
    if not cases:
        pytest.skip("no routing case in routes.yaml reaches a webhook receiver (where each alert's own status shows)")
    case = cases[0]
    receiver = next(r for r in case.receivers if "webhook" in channels_of.get(r, set()))
    check = uuid.uuid4().hex[:8]
    alertname = case.labels.get("alertname") or f"MonsuiteResolveCheck{check}"
    labels = {**case.labels, "alertname": alertname, CHECK_LABEL: check}

    def about_this(delivery) -> bool:
        return delivery["channel"] == "webhook" and mentions_alert(delivery, alertname, {CHECK_LABEL: check})

    alertmanager.post_alerts([alert(labels, {"summary": "resolve check"})])
    sinks.wait_for(receiver, match=about_this, timeout=20)
    alertmanager.post_alerts([alert(labels, {"summary": "resolve check"}, resolved=True)])
    resolved = sinks.wait_for(receiver, timeout=20, match=lambda d: about_this(d) and d["body"]["status"] == "resolved")
    assert resolved[0]["body"]["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
