"""Checks of notification payloads against the shapes Alertmanager 0.25 documents per channel."""

from __future__ import annotations

import json
import re


def problems(channel: str, body) -> list[str]:
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    return CHECKS[channel](body)


def _webhook(body: dict) -> list[str]:
    found = []
    if body.get("version") != "4":
        found.append(f"version is {body.get('version')!r}, expected '4'")
    if body.get("status") not in ("firing", "resolved"):
        found.append(f"status is {body.get('status')!r}")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        found.append("alerts is missing or empty")
    else:
        for i, alert in enumerate(alerts):
            for key in ("status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"):
                if key not in alert:
                    found.append(f"alerts[{i}] lacks {key}")
    for key in ("receiver", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "groupKey"):
        if key not in body:
            found.append(f"lacks {key}")
    return found


def _first_item_has(body: dict, list_key: str, keys: tuple[str, ...]) -> list[str]:
    items = body.get(list_key)
    if not isinstance(items, list) or not items:
        return [f"{list_key} is missing or empty"]
    return [f"{list_key}[0] lacks {k}" for k in keys if k not in items[0]]


def _slack(body: dict) -> list[str]:
    return _first_item_has(body, "attachments", ("title", "text", "color"))


def _pagerduty(body: dict) -> list[str]:
    found = []
    if body.get("event_action") not in ("trigger", "resolve", "acknowledge"):
        found.append(f"event_action is {body.get('event_action')!r}")
    if not body.get("routing_key"):
        found.append("routing_key is missing")
    if not body.get("dedup_key"):
        found.append("dedup_key is missing")
    payload = body.get("payload")
    if body.get("event_action") == "trigger":
        if not isinstance(payload, dict):
            found.append("payload is missing")
        else:
            found += [f"payload lacks {k}" for k in ("summary", "source", "severity") if not payload.get(k)]
            if payload.get("severity") not in (None, "critical", "error", "warning", "info"):
                found.append(f"payload.severity is {payload.get('severity')!r}")
    return found


def _discord(body: dict) -> list[str]:
    return _first_item_has(body, "embeds", ("title", "description", "color"))


def _msteams(body: dict) -> list[str]:
    return [f"lacks {k}" for k in ("@context", "type", "title", "text") if k not in body]


def _opsgenie(body: dict) -> list[str]:
    if set(body) <= {"source", "note"}:  # a close request
        return []
    return [f"lacks {k}" for k in ("alias", "message") if not body.get(k)]


CHECKS = {"webhook": _webhook, "slack": _slack, "pagerduty": _pagerduty, "discord": _discord, "msteams": _msteams,
          "opsgenie": _opsgenie}


SLACK_COLOURS = {"good": "resolved", "danger": "firing"}  # Alertmanager's default slack_configs color


def notification_status(delivery: dict) -> str:
    """'firing' or 'resolved', read the way each channel says it."""
    body = delivery.get("body") or {}
    channel = delivery.get("channel")
    if channel == "webhook":
        return body.get("status", "")
    if channel == "pagerduty":
        return "resolved" if body.get("event_action") == "resolve" else "firing"
    if channel == "email":
        title = body.get("subject", "")
    elif channel == "slack":
        attachment = (body.get("attachments") or [{}])[0]
        title = attachment.get("title", "")
        if not title.upper().startswith(("[RESOLVED", "[FIRING")) and attachment.get("color") in SLACK_COLOURS:
            # a custom title hides the status; Alertmanager's default colour still tells it
            return SLACK_COLOURS[attachment["color"]]
    elif channel == "discord":
        title = (body.get("embeds") or [{}])[0].get("title", "")
    else:
        return ""
    return "resolved" if title.upper().startswith("[RESOLVED") else "firing"


def mentions_alert(delivery: dict, alertname: str, labels: dict | None = None) -> bool:
    """Whether a notification is about this alert: the webhook's alert labels; the rendered text elsewhere.

    `labels` narrows it to one alert of that name (e.g. one instance) where the payload carries labels.
    The webhook's groupKey is left out: it holds the route's matchers, which may name other alerts.
    """
    return alert_status(delivery, alertname, labels) is not None


def alert_status(delivery: dict, alertname: str, labels: dict | None = None) -> str | None:
    """'firing' or 'resolved' for this alert in the notification; None when the notification is not about it.

    A webhook carries each alert's own status, so an alert that resolved is told apart from another alert
    of its group that still fires. Other channels carry the group's status in their rendered text.
    """
    body = delivery.get("body")
    if delivery.get("channel") == "webhook" and isinstance(body, dict) and isinstance(body.get("alerts"), list):
        statuses = [a.get("status") or body.get("status") or "firing" for a in body["alerts"] if isinstance(a, dict) and _labels_match(a.get("labels") or {}, alertname, labels)]
        return ("firing" if "firing" in statuses else statuses[0]) if statuses else None
    text = json.dumps({k: v for k, v in body.items() if k != "groupKey"} if isinstance(body, dict) else body)
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(alertname)}(?![A-Za-z0-9_])", text) is None:
        return None
    return notification_status(delivery)


def _labels_match(alert_labels: dict, alertname: str, labels: dict | None) -> bool:
    return alert_labels.get("alertname") == alertname and all(alert_labels.get(k) == v for k, v in (labels or {}).items())
