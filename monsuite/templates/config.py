"""The Alertmanager config a template run uses: the user's receivers, every integration pointed at the local
sinks (each under a key of its own, so a delivery names the integration that sent it), and a routing tree of
our own that gives each case its own aggregation group with the grouping the user's tree gives it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from monsuite.errors import ManifestError, UserError
from monsuite.routing.config import load_config
from monsuite.routing.engines import amtool_label
from monsuite.scaffold.alertmanager import DROPPED_FIELDS, HTTP_INTEGRATIONS, LOCAL_KEYS
from monsuite.userio.inputs import read_text

# What each integration does when its config does not say (Alertmanager's documented defaults).
SENDS_RESOLVED = {"email_configs": False, "slack_configs": False, "pagerduty_configs": True, "webhook_configs": True,
                  "discord_configs": True, "opsgenie_configs": True, "victorops_configs": True, "pushover_configs": True,
                  "wechat_configs": False, "telegram_configs": True, "sns_configs": True, "webex_configs": True,
                  "msteams_configs": True, "msteamsv2_configs": True, "jira_configs": True, "rocketchat_configs": True,
                  "mattermost_configs": True, "incidentio_configs": True}
CONFIG_NAMES = ("alertmanager.yml", "alertmanager.yml.j2", "alertmanager.yaml", "alertmanager.yaml.j2")
SINK_DOMAIN = "monsuite.test"
# A case's group sends at once (group_wait 0s); a resolved alert goes out at the group's next tick.
GROUP_WAIT, GROUP_INTERVAL, REPEAT_INTERVAL = "0s", "200ms", "100h"  # no repeat within a run
SEVERAL_GROUP_INTERVAL = "1s"


@dataclass(frozen=True)
class Integration:
    key: str  # the sink's name for it: i<number>
    receiver: str
    kind: str  # slack_configs, email_configs, ...
    index: int
    entry: dict  # the user's settings (templates as written)

    @property
    def label(self) -> str:
        """As Alertmanager names it in its log: slack[0]."""
        return f"{self.kind.removesuffix('_configs')}[{self.index}]"

    @property
    def channel(self) -> str:
        return "email" if self.kind == "email_configs" else HTTP_INTEGRATIONS[self.kind][0]

    @property
    def sends_resolved(self) -> bool:
        return bool(self.entry.get("send_resolved", SENDS_RESOLVED.get(self.kind, True)))


@dataclass
class TemplateConfig:
    config: dict  # the user's config, rendered and read
    source: Path  # the file it came from
    integrations: list[Integration]
    unserved: list[str]  # receiver.kind the local sinks cannot receive (not rendered)

    @property
    def receivers(self) -> list[str]:
        return [r["name"] for r in self.config.get("receivers") or []]

    def of_receiver(self, receiver: str) -> list[Integration]:
        return [i for i in self.integrations if i.receiver == receiver]

    def by_label(self, receiver: str, label: str) -> Integration | None:
        return next((i for i in self.of_receiver(receiver) if i.label == label), None)


def stack_config_file(stack_dir: Path) -> Path:
    found = next((stack_dir / n for n in CONFIG_NAMES if (stack_dir / n).exists()), None)
    if found is None:
        raise UserError(f"{stack_dir}: no Alertmanager config ({' or '.join(CONFIG_NAMES)}) to render templates of")
    return found


def read_config(path: Path, profile: dict | None = None) -> TemplateConfig:
    """A stack's template (`.j2`, rendered with the stack directory as its config_dir) or a plain config,
    whose template paths are read relative to its own folder, as Alertmanager reads them."""
    if path.suffix == ".j2":
        text = read_text(path, "Alertmanager config")
        environment = jinja2.Environment(undefined=jinja2.ChainableUndefined)
        try:
            rendered = environment.from_string(text).render(config_dir=str(path.parent.resolve()), profile=profile or {})
            config = yaml.safe_load(rendered) or {}
        except (jinja2.TemplateError, yaml.YAMLError) as exc:
            raise ManifestError(path, "", f"cannot be read: {exc}") from None
    else:
        config = load_config(path)
    if not isinstance(config, dict) or not isinstance(config.get("receivers"), list):
        raise ManifestError(path, "receivers", "not an Alertmanager config (needs route and receivers)")
    config["templates"] = [str(path.parent.resolve() / t) for t in config.get("templates") or []]
    integrations, unserved = [], []
    for r_index, receiver in enumerate(config["receivers"]):
        if not isinstance(receiver, dict) or not receiver.get("name"):
            raise ManifestError(path, f"receivers[{r_index}]", "a receiver needs a name")
        for kind in [k for k in receiver if k.endswith("_configs")]:
            if kind != "email_configs" and kind not in HTTP_INTEGRATIONS:
                unserved.append(f"{receiver['name']}.{kind}")
                continue
            for index, entry in enumerate(receiver[kind] or []):
                integrations.append(Integration(f"i{len(integrations)}", receiver["name"], kind, index, dict(entry)))
    return TemplateConfig(config, path, integrations, unserved)


def rendering_config(config: TemplateConfig, routes: list[dict], sink_http: str, sink_smtp: str, prefix: str = "") -> dict:
    """The config Alertmanager runs for the render: the user's receivers delivering to the sinks, each
    integration under `prefix` + its key; `routes` (one per case, see route_for) under a root no posted
    alert reaches."""
    made = copy.deepcopy(config.config)
    settings = made.setdefault("global", {}) or {}
    made["global"] = settings
    for key in list(settings):
        if key.endswith("_file") or key.endswith("_api_url") or key == "http_config" or key.startswith("smtp_auth"):
            del settings[key]
    settings.update({"smtp_smarthost": sink_smtp, "smtp_require_tls": False})
    settings.setdefault("smtp_from", f"alertmanager@{SINK_DOMAIN}")
    keys = {(i.receiver, i.kind, i.index): i.key for i in config.integrations}
    for receiver in made["receivers"]:
        for kind in [k for k in receiver if k.endswith("_configs")]:
            if kind != "email_configs" and kind not in HTTP_INTEGRATIONS:
                del receiver[kind]
                continue
            for index, entry in enumerate(receiver[kind] or []):
                _point_at_sink(entry, kind, prefix + keys[(receiver["name"], kind, index)], sink_http)
    made.pop("inhibit_rules", None)
    made["route"] = {"receiver": made["receivers"][0]["name"], "group_by": ["..."], "group_wait": GROUP_WAIT,
                     "group_interval": GROUP_INTERVAL, "repeat_interval": REPEAT_INTERVAL, "routes": routes}
    return made


def _point_at_sink(entry: dict, kind: str, key: str, sink_http: str) -> None:
    for field in DROPPED_FIELDS:
        entry.pop(field, None)
    if kind == "email_configs":
        entry["to"] = f"{key}@{SINK_DOMAIN}"
        entry.pop("smarthost", None)
        entry["require_tls"] = False
        return
    channel, url_field, suffix = HTTP_INTEGRATIONS[kind]
    entry[url_field] = f"{sink_http}/{channel}/{key}{suffix}"
    entry.update(LOCAL_KEYS.get(kind, {}))


def route_for(receiver: str, group_by: list[str], exact: dict, varied: tuple[str, list[str]] | None = None) -> dict:
    """A route that takes only this case's alerts (every label matched exactly; `varied`: one label matched
    against the values of the case's alerts) to `receiver`, grouped as the user's tree groups them there."""
    matchers = [amtool_label(k, v) for k, v in sorted(exact.items())]
    if varied is not None:
        name, values = varied
        matchers.append(f'{name}=~"{"|".join(_regex_literal(v) for v in values)}"')
    return {"receiver": receiver, "group_by": list(group_by), "matchers": matchers, "continue": True}


def _regex_literal(value: str) -> str:
    """A label value as an RE2 literal inside a double-quoted matcher."""
    escaped = "".join("\\" + c if c in r"\.+*?()|[]{}^$" else c for c in value)
    return escaped.replace("\\", "\\\\").replace('"', '\\"')


def dump(config: dict) -> str:
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
