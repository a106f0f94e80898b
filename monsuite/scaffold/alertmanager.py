"""A user's Alertmanager config, made a stack template: every receiver delivers to the local sinks,
and the route timings become profile variables (so the ci profile scales them)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from urllib.parse import quote

from monsuite.scaffold.jinja import Placeholder

SINK_HTTP = "http://127.0.0.1:{{ components.sinks.ports.http }}"
SINK_SMTP = "127.0.0.1:{{ components.sinks.ports.smtp }}"
# integration -> (sink channel, the field holding its URL, what the real service's path adds)
HTTP_INTEGRATIONS = {
    "webhook_configs": ("webhook", "url", ""),
    "slack_configs": ("slack", "api_url", ""),
    "pagerduty_configs": ("pagerduty", "url", "/v2/enqueue"),
    "discord_configs": ("discord", "webhook_url", ""),
    "msteams_configs": ("msteams", "webhook_url", ""),
    "opsgenie_configs": ("opsgenie", "api_url", "/"),  # Alertmanager appends v2/alerts
}
# Fields that point at secrets or remote endpoints the sinks replace.
DROPPED_FIELDS = ("url_file", "api_url_file", "webhook_url_file", "routing_key_file", "service_key", "service_key_file",
                  "api_key", "api_key_file",
                  "http_config", "auth_username", "auth_password", "auth_password_file", "auth_secret", "auth_identity",
                  "tls_config")
# What an integration must be given to send at all, replaced by a key the local sinks take.
LOCAL_KEYS = {"pagerduty_configs": {"routing_key": "monsuite-local-routing-key"},
              "opsgenie_configs": {"api_key": "monsuite-local-api-key"}}
ROUTE_TIMINGS = ("group_wait", "group_interval", "repeat_interval")
ALERTMANAGER_DEFAULTS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h", "resolve_timeout": "5m"}


@dataclass
class RewiredConfig:
    config: dict  # holds Placeholder strings: write it with scaffold.jinja.dump_template
    profile: dict  # the `real` profile's timing variables, with the user's values
    receivers: list[str]
    notes: list[str] = field(default_factory=list)


def rewire(original: dict, with_templates: bool) -> RewiredConfig:
    config = copy.deepcopy(original)
    notes: list[str] = []
    profile = {"resolve_timeout": _global(config).get("resolve_timeout", ALERTMANAGER_DEFAULTS["resolve_timeout"])}
    _rewire_global(_global(config), notes)
    config["global"]["resolve_timeout"] = Placeholder("{{ profile.resolve_timeout }}")
    if "templates" in config:
        if with_templates:
            config["templates"] = [Placeholder("{{ config_dir }}/templates/*.tmpl")]
        else:
            del config["templates"]
            notes.append("templates: dropped (no --templates given); receivers use Alertmanager's default texts")
    _template_timings(config.get("route") or {}, [], profile)
    receivers = []
    for receiver in config.get("receivers") or []:
        receivers.append(receiver["name"])
        _rewire_receiver(receiver, notes)
    for key in ("time_intervals", "mute_time_intervals"):
        if config.get(key):
            notes.append(f"{key}: kept; a route muted at the time of a run will not deliver, and its scenarios fail then")
    return RewiredConfig(config, profile, receivers, notes)


def _global(config: dict) -> dict:
    if not isinstance(config.get("global"), dict):
        config["global"] = {}
    return config["global"]


def _rewire_global(settings: dict, notes: list[str]) -> None:
    for key in list(settings):
        if key.endswith("_file") or key in ("http_config",) or key.startswith("smtp_auth"):
            del settings[key]
    settings["smtp_smarthost"] = Placeholder(SINK_SMTP)
    settings["smtp_require_tls"] = False
    settings.setdefault("smtp_from", "alertmanager@monsuite.test")


def _template_timings(route: dict, path: list[int], profile: dict) -> None:
    """The root route's timings become profile.group_wait etc.; a nested route's own ones get a variable
    named after its place in the tree (route_0_2_group_wait: the third child of the first child)."""
    for key in ROUTE_TIMINGS:
        if not path:
            variable = key
            profile[variable] = route.get(key, ALERTMANAGER_DEFAULTS[key])
        elif key in route:
            variable = "route_" + "_".join(map(str, path)) + "_" + key
            profile[variable] = route[key]
        else:
            continue
        route[key] = Placeholder("{{ profile." + variable + " }}")
    for index, child in enumerate(route.get("routes") or []):
        _template_timings(child, [*path, index], profile)


def _rewire_receiver(receiver: dict, notes: list[str]) -> None:
    name = receiver["name"]
    path_name = quote(name, safe="")
    forced_resolved = []
    for key in [k for k in list(receiver) if k.endswith("_configs")]:
        configs = receiver[key] or []
        if key in HTTP_INTEGRATIONS:
            channel, url_field, suffix = HTTP_INTEGRATIONS[key]
            for entry in configs:
                _drop(entry)
                entry[url_field] = Placeholder(f"{SINK_HTTP}/{channel}/{path_name}{suffix}")
                entry.update(LOCAL_KEYS.get(key, {}))
                forced_resolved += _send_resolved(entry, key)
        elif key == "email_configs":
            for entry in configs:
                _drop(entry)
                entry["to"] = f"{name}@monsuite.test"
                entry.pop("smarthost", None)
                entry["require_tls"] = False
                forced_resolved += _send_resolved(entry, key)
        else:
            del receiver[key]
            receiver.setdefault("webhook_configs", []).append(
                {"url": Placeholder(f"{SINK_HTTP}/webhook/{path_name}"), "send_resolved": True})
            notes.append(f"receivers.{name}.{key}: not served by the local sinks; rewired to a webhook")
    if forced_resolved:
        notes.append(f"receivers.{name}: send_resolved set to true on {', '.join(sorted(set(forced_resolved)))} "
                     "(scenarios check that each alert resolves on every receiver)")


def _drop(entry: dict) -> None:
    for key in DROPPED_FIELDS:
        entry.pop(key, None)


def _send_resolved(entry: dict, key: str) -> list[str]:
    was = entry.get("send_resolved")
    entry["send_resolved"] = True
    return [] if was is True else [key]


def uses_named_templates(config: dict) -> list[str]:
    """The receivers' fields that call a named template ({{ template "x" . }}), which need --templates."""
    found = []

    def visit(value, where: str) -> None:
        if isinstance(value, str) and "template \"" in value:
            found.append(where)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, f"{where}[{index}]")

    for receiver in config.get("receivers") or []:
        visit(receiver, f"receivers.{receiver.get('name')}")
    return found
