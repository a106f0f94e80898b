"""Checks of notification payloads against the shapes Alertmanager 0.25 documents per channel."""

from __future__ import annotations


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


CHECKS = {"webhook": _webhook, "slack": _slack, "pagerduty": _pagerduty, "discord": _discord}


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
        title = (body.get("attachments") or [{}])[0].get("title", "")
    elif channel == "discord":
        title = (body.get("embeds") or [{}])[0].get("title", "")
    else:
        return ""
    return "resolved" if title.upper().startswith("[RESOLVED") else "firing"
