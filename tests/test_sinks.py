"""The sinks as a real process: each channel's payload recorded with its arrival time; email over SMTP."""

import smtplib
import time
from email.message import EmailMessage

import requests

from monsuite.sinks.client import SinkClient

WEBHOOK = {
    "version": "4", "groupKey": '{}:{alertname="X"}', "truncatedAlerts": 0, "status": "firing", "receiver": "team",
    "groupLabels": {"alertname": "X"}, "commonLabels": {"alertname": "X"}, "commonAnnotations": {},
    "externalURL": "http://127.0.0.1:9093",
    "alerts": [{"status": "firing", "labels": {"alertname": "X"}, "annotations": {}, "startsAt": "2024-06-10T08:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": "a1b2c3d4e5f60718"}],
}
PAGERDUTY = {"routing_key": "secret-key", "event_action": "trigger", "dedup_key": "abc",
             "payload": {"summary": "[FIRING:1] X", "source": "am", "severity": "error"}}


def test_each_channel_is_recorded_and_answered_as_the_real_service_does(sink_server):
    sink = SinkClient(sink_server.url)
    before = time.time()
    assert requests.post(f"{sink_server.url}/webhook/team", json=WEBHOOK, timeout=5).status_code == 200
    pd = requests.post(f"{sink_server.url}/pagerduty/oncall/v2/enqueue", json=PAGERDUTY, timeout=5)
    assert pd.status_code == 202 and pd.json()["dedup_key"] == "abc"
    slack = {"channel": "#a", "attachments": [{"title": "t", "text": "x", "color": "danger"}]}
    assert requests.post(f"{sink_server.url}/slack/ops", json=slack, timeout=5).text == "ok"
    discord = {"content": "", "embeds": [{"title": "t", "description": "d", "color": 10038562}]}
    assert requests.post(f"{sink_server.url}/discord/chat", json=discord, timeout=5).status_code == 204
    deliveries = sink.deliveries()
    assert [d["channel"] for d in deliveries] == ["webhook", "pagerduty", "slack", "discord"]
    assert all(d["problems"] == [] for d in deliveries), deliveries
    assert all(before <= d["arrived_at"] <= time.time() for d in deliveries)
    assert sink.wait_for("oncall", timeout=1)[0]["body"]["routing_key"].startswith("sha256:")


def test_teams_and_opsgenie_are_answered_as_the_services_answer(sink_server):
    sink = SinkClient(sink_server.url)
    teams = {"@context": "http://schema.org/extensions", "type": "MessageCard", "title": "t", "summary": "s", "text": "x",
             "themeColor": "8C1A1A"}
    assert requests.post(f"{sink_server.url}/msteams/chat", json=teams, timeout=5).text == "1"
    created = requests.post(f"{sink_server.url}/opsgenie/ops/v2/alerts", json={"alias": "k", "message": "m"}, timeout=5)
    assert created.status_code == 202 and created.json()["result"] == "Request will be processed"
    closed = requests.post(f"{sink_server.url}/opsgenie/ops/v2/alerts/k/close?identifierType=alias",
                           json={"source": "am"}, timeout=5)
    assert closed.status_code == 202
    no_message = requests.post(f"{sink_server.url}/opsgenie/ops/v2/alerts", json={"alias": "k"}, timeout=5)
    assert no_message.status_code == 202
    deliveries = sink.deliveries()
    assert [(d["channel"], d["problems"]) for d in deliveries] == [
        ("msteams", []), ("opsgenie", []), ("opsgenie", []), ("opsgenie", ["lacks message"])]
    assert deliveries[2]["meta"]["path"] == "/opsgenie/ops/v2/alerts/k/close"


def test_a_payload_that_departs_from_its_documented_shape_is_flagged(sink_server):
    broken = {k: v for k, v in WEBHOOK.items() if k not in ("version", "groupKey")}
    requests.post(f"{sink_server.url}/webhook/team", json=broken, timeout=5)
    problems = SinkClient(sink_server.url).deliveries(receiver="team")[0]["problems"]
    assert any("version" in p for p in problems) and "lacks groupKey" in problems


def test_email_arrives_over_real_smtp(sink_server):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alerts@x.test", "ops@x.test", "[FIRING:1] X"
    message.set_content("plain")
    message.add_alternative("<b>html</b>", subtype="html")
    with smtplib.SMTP("127.0.0.1", sink_server.smtp_port, timeout=5) as smtp:
        smtp.send_message(message)
    delivery = SinkClient(sink_server.url).wait_for("ops", timeout=5)[0]
    assert delivery["channel"] == "email"
    assert delivery["body"]["subject"] == "[FIRING:1] X"
    assert "<b>html</b>" in delivery["body"]["html"] and delivery["body"]["text"].strip() == "plain"


def test_failures_can_be_injected_for_the_first_n_and_a_fraction(sink_server):
    sink = SinkClient(sink_server.url)
    sink.fail(first=2, status=503, receiver="team")
    codes = [requests.post(f"{sink_server.url}/webhook/team", json=WEBHOOK, timeout=5).status_code for _ in range(4)]
    assert codes == [503, 503, 200, 200]
    assert requests.post(f"{sink_server.url}/webhook/other", json=WEBHOOK, timeout=5).status_code == 200
    assert len(sink.deliveries(receiver="team")) == 2 and len(sink.rejected()) == 2
    sink.fail(fraction=1.0)
    assert requests.post(f"{sink_server.url}/slack/ops", json={"attachments": []}, timeout=5).status_code == 500
    sink.heal()
    assert requests.post(f"{sink_server.url}/webhook/team", json=WEBHOOK, timeout=5).status_code == 200


def test_a_bad_failure_plan_is_refused(sink_server):
    response = requests.put(f"{sink_server.url}/failures", json={"fraction": 2}, timeout=5)
    assert response.status_code == 400 and "fraction" in response.json()["error"]


def test_email_can_be_refused_temporarily(sink_server):
    SinkClient(sink_server.url).fail(first=1)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@x.test", "ops@x.test", "s"
    message.set_content("x")
    with smtplib.SMTP("127.0.0.1", sink_server.smtp_port, timeout=5) as smtp:
        try:
            smtp.send_message(message)
            refused = False
        except smtplib.SMTPDataError as exc:
            refused = exc.smtp_code == 451
        smtp.send_message(message)
    assert refused
    assert len(SinkClient(sink_server.url).deliveries(receiver="ops")) == 1


def test_a_notification_is_about_the_alerts_it_carries_not_the_route_that_names_others():
    from monsuite.sinks.payloads import mentions_alert

    group_key = '{}/{alertname=~"ControlAlert|ForDoubledAlert"}:{alertname="ControlAlert"}'
    webhook = {"channel": "webhook", "body": {"groupKey": group_key, "alerts": [{"labels": {"alertname": "ControlAlert"}}]}}
    assert mentions_alert(webhook, "ControlAlert") and not mentions_alert(webhook, "ForDoubledAlert")
    slack = {"channel": "slack", "body": {"attachments": [{"title": "[FIRING:1] NodeDown (node)"}]}}
    assert mentions_alert(slack, "NodeDown") and not mentions_alert(slack, "Node")


def test_a_webhook_tells_one_resolved_alert_from_another_of_its_group_still_firing():
    from monsuite.sinks.payloads import alert_status

    body = {"status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "NodeHighCPUUsage", "instance": "host:9100"}},
        {"status": "resolved", "labels": {"alertname": "NodeHighCPUUsage", "instance": "scenario-cpu"}}]}
    delivery = {"channel": "webhook", "body": body}
    assert alert_status(delivery, "NodeHighCPUUsage", {"instance": "scenario-cpu"}) == "resolved"
    assert alert_status(delivery, "NodeHighCPUUsage") == "firing"
    assert alert_status(delivery, "NodeHighCPUUsage", {"instance": "elsewhere"}) is None
