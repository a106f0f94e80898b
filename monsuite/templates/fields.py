"""A delivery as the fields a person reads: dotted paths into the JSON a service received, or an email's
subject, text, HTML and configured headers."""

from __future__ import annotations

import json

from monsuite.sinks.store import Delivery
from monsuite.templates.config import Integration

# Set by the routing tree or the sinks' keys, not by a template: they would differ from the user's own.
NOT_TEMPLATED = ("groupKey", "dedup_key", "routing_key")
EMAIL_HEADERS_SET_HERE = ("to", "from", "subject")


def fields_of(delivery: Delivery, integration: Integration) -> dict[str, str]:
    body = delivery.body
    if integration.kind == "email_configs":
        found = {"subject": body.get("subject") or ""}
        for part in ("text", "html"):
            if body.get(part) is not None:
                found[part] = body[part].replace("\r\n", "\n")  # as the reader's mail program shows it
        sent = {k.lower(): v for k, v in (body.get("headers") or {}).items()}
        for header in integration.entry.get("headers") or {}:
            if header.lower() not in EMAIL_HEADERS_SET_HERE:
                found[f"headers.{header}"] = sent.get(header.lower(), "")
        return found
    if not isinstance(body, dict):
        return {"body": str(body)}
    return flatten({k: v for k, v in body.items() if k not in NOT_TEMPLATED})


def flatten(value, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        found: dict[str, str] = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found.update(flatten(item, f"{prefix}[{index}]"))
        return found
    return {prefix: value if isinstance(value, str) else json.dumps(value)}


# The fields a reader tells firing from resolved by (a PagerDuty resolve and a webhook carry it in data; a
# Slack fallback shows only in a push notification, not in the channel).
READ_TEXT = {
    "email_configs": ("subject", "text", "html"),
    "slack_configs": ("text", "attachments[0].title", "attachments[0].pretext", "attachments[0].text"),
    "discord_configs": ("content", "embeds[0].title", "embeds[0].description"),
    "msteams_configs": ("title", "summary", "text"),
}

# A setting of the user's integration config -> the field of the delivery it becomes.
CONFIGURED = {
    "slack_configs": {"title": "attachments[0].title", "text": "attachments[0].text", "pretext": "attachments[0].pretext",
                      "fallback": "attachments[0].fallback", "footer": "attachments[0].footer",
                      "title_link": "attachments[0].title_link"},
    "discord_configs": {"title": "embeds[0].title", "message": "embeds[0].description", "content": "content"},
    "pagerduty_configs": {"description": "payload.summary", "client": "client", "client_url": "client_url",
                          "severity": "payload.severity", "class": "payload.class", "component": "payload.component",
                          "group": "payload.group"},
    "email_configs": {"text": "text", "html": "html"},
    "msteams_configs": {"title": "title", "summary": "summary", "text": "text"},
    "opsgenie_configs": {"message": "message", "description": "description", "source": "source", "note": "note",
                         "priority": "priority", "entity": "entity", "actions": "actions", "tags": "tags"},
}


def configured_fields(integration: Integration) -> dict[str, str]:
    """The delivered field each template the user wrote fills: {field path: the template text}."""
    entry, kind = integration.entry, integration.kind
    found = {path: str(entry[name]) for name, path in CONFIGURED.get(kind, {}).items() if entry.get(name)}
    if kind == "pagerduty_configs":
        for name, template in (entry.get("details") or {}).items():
            found[f"payload.custom_details.{name}"] = str(template)
    if kind == "opsgenie_configs":
        for name, template in (entry.get("details") or {}).items():
            found[f"details.{name}"] = str(template)
        for index, link in enumerate(entry.get("links") or []):
            for part in ("href", "text"):
                if (link or {}).get(part):
                    found[f"links[{index}].{part}"] = str(link[part])
    if kind == "email_configs":
        for name, template in (entry.get("headers") or {}).items():
            key = "subject" if name.lower() == "subject" else f"headers.{name}"
            if name.lower() not in ("to", "from"):
                found[key] = str(template)
    if kind == "slack_configs":
        for index, field in enumerate(entry.get("fields") or []):
            for part in ("title", "value"):
                if (field or {}).get(part):
                    found[f"attachments[0].fields[{index}].{part}"] = str(field[part])
    return found
