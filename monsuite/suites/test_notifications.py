"""Notifications on every channel, and the alert lifecycle, proven on the stack's real Alertmanager:
each channel delivers firing and resolved payloads with the rendered text; silences acknowledge,
inhibition suppresses, grouping bundles, repeat_interval paces, and a burst loses nothing."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from monsuite.clients.alertmanager import AlertmanagerClient, alert
from monsuite.sinks.payloads import notification_status
from monsuite.timescale import parse_ms

pytestmark = pytest.mark.live

# receiver -> (channel, labels that route there), as stacks/default/alertmanager.yml.j2 routes them
CHANNELS = {
    "webhook": ("webhook", {"severity": "info", "team": "platform"}),
    "slack": ("slack", {"severity": "warning", "team": "platform"}),
    "pagerduty": ("pagerduty", {"severity": "critical", "team": "platform"}),
    "discord": ("discord", {"severity": "critical", "team": "platform"}),
    "default-email": ("email", {"team": "platform"}),
    "database-team": ("email", {"severity": "warning", "team": "database"}),
    "escalation": ("email", {"severity": "escalation", "team": "platform"}),
    "infrastructure-team": ("webhook", {"severity": "warning", "team": "infrastructure"}),
}


@pytest.fixture
def alertmanager(stack, alertmanager_url, sinks):
    if stack.manifest.name != "default":
        pytest.skip("these expectations are the default stack's routing and templates")
    yield AlertmanagerClient(alertmanager_url)
    sinks.heal()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def annotations_for(name: str) -> dict:
    return {"summary": f"{name} summary text", "description": f"{name} description text",
            "runbook_url": f"https://docs.windmill-platform.io/runbooks/{name}",
            "dashboard_url": f"https://grafana.windmill-platform.io/d/{name}"}


def of(name: str, status: str = "firing"):
    return lambda d: name in json.dumps(d["body"]) and notification_status(d) == status


@pytest.mark.parametrize("receiver", sorted(CHANNELS))
def test_each_channel_delivers_firing_and_resolved_with_the_rendered_text(receiver, alertmanager, sinks):
    channel, routing = CHANNELS[receiver]
    name = unique("MonsuiteChannel")
    labels = {"alertname": name, "cluster": "windmill-platform", "service": name, **routing}
    alertmanager.post_alerts([alert(labels, annotations_for(name))])
    firing = sinks.wait_for(receiver, match=of(name), timeout=20)[0]
    body = json.dumps(firing["body"], ensure_ascii=False)
    assert firing["channel"] == channel and firing["problems"] == []
    for text in annotations_for(name).values():
        assert text in body, f"{receiver}: {text!r} not in the {channel} payload"
    assert f"alertname={name}" in body or f'"alertname": "{name}"' in body
    assert "<no value>" not in body
    alertmanager.post_alerts([alert(labels, annotations_for(name), resolved=True)])
    resolved = sinks.wait_for(receiver, match=of(name, "resolved"), timeout=20)[0]
    assert resolved["arrived_at"] > firing["arrived_at"]


def test_an_acknowledged_alert_is_left_out_of_its_groups_notification(alertmanager, sinks):
    """A silence (acknowledgement) drops the alert; the rest of its group is still notified."""
    name = unique("MonsuiteAck")
    base = {"alertname": name, "cluster": "windmill-platform", "service": name, "severity": "info"}
    silence_id = alertmanager.silence([("alertname", "=", name), ("instance", "=", "acknowledged")], "acknowledged")
    alertmanager.post_alerts([alert({**base, "instance": "acknowledged"}), alert({**base, "instance": "control"})])
    delivery = sinks.wait_for("webhook", match=of(name), timeout=20)[0]
    instances = [a["labels"]["instance"] for a in delivery["body"]["alerts"]]
    assert instances == ["control"]
    states = {a["labels"]["instance"]: a["status"] for a in alertmanager.alerts(f'alertname="{name}"')}
    assert states["acknowledged"]["state"] == "suppressed" and silence_id in states["acknowledged"]["silencedBy"]


def test_a_critical_alert_suppresses_its_services_warnings(alertmanager, sinks):
    service = unique("svc")
    source = {"alertname": unique("MonsuiteSource"), "cluster": "windmill-platform", "service": service,
              "severity": "critical", "team": "platform"}
    target = {"alertname": unique("MonsuiteTarget"), "cluster": "windmill-platform", "service": service,
              "severity": "warning", "team": "platform"}
    control = {**target, "alertname": unique("MonsuiteControl"), "service": unique("other")}
    alertmanager.post_alerts([alert(source), alert(target), alert(control)])
    sinks.wait_for("slack", match=of(control["alertname"]), timeout=20)
    sinks.wait_for("pagerduty", match=of(source["alertname"]), timeout=20)
    status = alertmanager.alerts(f'alertname="{target["alertname"]}"')[0]["status"]
    assert status["state"] == "suppressed" and status["inhibitedBy"]
    assert not [d for d in sinks.deliveries(receiver="slack") if of(target["alertname"])(d)]


def test_grouping_sends_one_notification_for_the_alerts_of_a_group(alertmanager, sinks):
    name = unique("MonsuiteGroup")
    alerts = [alert({"alertname": name, "cluster": "windmill-platform", "service": name, "severity": "info",
                     "instance": f"host-{i}"}) for i in range(5)]
    alertmanager.post_alerts(alerts)
    delivery = sinks.wait_for("webhook", match=of(name), timeout=20)[0]
    assert len(delivery["body"]["alerts"]) == 5
    assert delivery["body"]["groupLabels"] == {"alertname": name, "cluster": "windmill-platform", "service": name}
    assert len([d for d in sinks.deliveries(receiver="webhook") if of(name)(d)]) == 1


def test_repeat_interval_is_the_cooldown_of_a_critical_alert(stack, alertmanager, sinks):
    """Still firing: no repeat before repeat_interval, a repeat soon after it (plus a group_interval tick)."""
    repeat = parse_ms(stack.profile_values["critical_repeat_interval"]) / 1000
    tick = parse_ms(stack.profile_values["group_interval"]) / 1000
    name = unique("MonsuiteRepeat")
    posted = time.time()
    alertmanager.post_alerts([alert({"alertname": name, "cluster": "windmill-platform", "service": name,
                                     "severity": "critical", "team": "platform"}, minutes=60)])
    first, second = sinks.wait_for("pagerduty", match=of(name), count=2, timeout=repeat * 3 + 20)[:2]
    gap = second["arrived_at"] - first["arrived_at"]
    # The repeat is one more pass through the same pipeline: what the first one took (post -> arrival, no
    # group_wait for an alert that starts now) is how late it may arrive, twice over, at least 0.3 s.
    slack = max(0.3, 2 * (first["arrived_at"] - posted))
    assert repeat <= gap <= repeat + tick + slack, (
        f"repeat after {gap:.3f}s, repeat_interval {repeat}s, group_interval {tick}s, pipeline allowance {slack:.3f}s")
    alertmanager.post_alerts([alert({"alertname": name, "cluster": "windmill-platform", "service": name,
                                     "severity": "critical", "team": "platform"}, resolved=True)])


def test_emergency_pages_reach_every_emergency_receiver(alertmanager, sinks):
    name = unique("MonsuiteEmergency")
    alertmanager.post_alerts([alert({"alertname": name, "cluster": "windmill-platform", "service": name,
                                     "severity": "emergency", "team": "platform"}, annotations_for(name))])
    for receiver in ("pagerduty", "discord", "webhook"):
        sinks.wait_for(receiver, match=of(name), timeout=20)


@pytest.mark.slow
@pytest.mark.parametrize("failing_fraction", [0.0, 0.3], ids=["healthy-receiver", "receiver-failing-30pct"])
def test_a_burst_of_1000_alerts_loses_nothing(failing_fraction, alertmanager, sinks):
    run = uuid.uuid4().hex[:6]
    names = [f"MonsuiteBurst{run}x{i}" for i in range(1000)]
    # Counted before failures are switched on: an attempt rejected in between would be in the sink's count
    # before and in Alertmanager's count after, and pass for an ambiguous failure.
    rejected_before = len(sinks.rejected())
    _, failed_before = alertmanager.notification_requests("webhook")
    if failing_fraction:
        sinks.fail(fraction=failing_fraction, receiver="webhook")
    posted_at = time.time()
    alertmanager.post_alerts([alert({"alertname": n, "cluster": "windmill-platform", "service": "burst", "severity": "info"})
                              for n in names])
    wanted = set(names)

    def burst_deliveries():
        return [d for d in sinks.deliveries(receiver="webhook")
                if d["body"]["alerts"][0]["labels"]["alertname"] in wanted and notification_status(d) == "firing"]

    from monsuite.waits import wait_until

    wait_until(burst_deliveries, timeout=120, what="a notification for each of the 1000 alerts",
               accept=lambda ds: {d["body"]["alerts"][0]["labels"]["alertname"] for d in ds} == wanted, interval=0.5)
    sinks.heal()
    rejected = len(sinks.rejected()) - rejected_before
    # Alertmanager counts a failed attempt when the answer reaches it, a moment after the sink rejected it:
    # read its count once every rejection the sink made is in it.
    failed = wait_until(lambda: alertmanager.notification_requests("webhook")[1] - failed_before, timeout=60,
                        what=f"Alertmanager to count the {rejected} rejected attempts as failed",
                        accept=lambda count: count >= rejected, interval=0.2)
    per_alert = {}
    for delivery in burst_deliveries():
        per_alert.setdefault(delivery["body"]["alerts"][0]["labels"]["alertname"], []).append(delivery["arrived_at"])
    lost = wanted - set(per_alert)
    duplicates = sum(len(v) - 1 for v in per_alert.values())
    latencies = sorted(min(v) - posted_at for v in per_alert.values())
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    seconds = max(latencies)
    # Alertmanager delivers at least once: an attempt it saw fail although the receiver had taken it (cut off
    # by its notification timeout on a busy machine) is sent again. Only those may arrive twice.
    ambiguous = failed - rejected
    print(f"burst of 1000 ({failing_fraction:.0%} failing): lost {len(lost)}, duplicates {duplicates}, "
          f"rejected attempts {rejected}, attempts failed in Alertmanager but not rejected {ambiguous:.0f}, "
          f"p95 {p95:.3f}s, {len(per_alert) / seconds:.0f} deliveries/s")
    alertmanager.post_alerts([alert({"alertname": n, "cluster": "windmill-platform", "service": "burst", "severity": "info"},
                                    resolved=True) for n in names])
    assert not lost
    if failing_fraction:
        assert rejected > 0, "the receiver was meant to fail some attempts"
    assert duplicates <= ambiguous, (
        f"{duplicates} notifications arrived twice, but only {ambiguous:.0f} attempts failed in Alertmanager "
        f"without the receiver rejecting them")
