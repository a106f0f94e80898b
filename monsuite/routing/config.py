"""An Alertmanager config made safe to run for routing tests: the routing tree, inhibition rules and
time intervals are kept; every receiver keeps its name but loses its integrations, so a live
Alertmanager routes the test alerts exactly as configured and sends nothing anywhere."""

from __future__ import annotations

from pathlib import Path

import jinja2
import yaml

from monsuite.errors import ManifestError
from monsuite.userio.inputs import read_text, refuse_unknown_keys

# Alertmanager's configuration file, top level (0.25 to 0.35: `tracing` and `event_recorder` came later).
TOP_LEVEL_KEYS = ("global", "route", "receivers", "inhibit_rules", "templates", "time_intervals", "mute_time_intervals",
                  "tracing", "event_recorder")

KEPT = ("route", "inhibit_rules", "receivers", "time_intervals", "mute_time_intervals")


def load_config(path: Path) -> dict:
    text = read_text(path, "Alertmanager config")
    if Path(path).suffix == ".j2":
        text = jinja2.Environment(undefined=jinja2.ChainableUndefined).from_string(text).render()
    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ManifestError(path, "", f"invalid YAML: {exc}") from None
    if not isinstance(config, dict) or "route" not in config or "receivers" not in config:
        raise ManifestError(path, "", "not an Alertmanager config (needs route and receivers)")
    refuse_unknown_keys(config, TOP_LEVEL_KEYS, path)
    return config


ROUTE_TIMINGS = ("group_wait", "group_interval", "repeat_interval")


def routing_only(config: dict) -> dict:
    safe = {key: config[key] for key in KEPT if key in config}
    safe["receivers"] = [{"name": receiver["name"]} for receiver in config["receivers"]]
    safe["route"] = _without_timings(safe["route"])
    return safe


def _without_timings(route: dict) -> dict:
    """Routing does not depend on timings, and a template rendered without its profile leaves them empty."""
    kept = {k: v for k, v in route.items() if k not in ROUTE_TIMINGS}
    if isinstance(route.get("routes"), list):
        kept["routes"] = [_without_timings(child) for child in route["routes"]]
    return kept


def write_routing_only(source: Path, target: Path) -> Path:
    target.write_text(yaml.safe_dump(routing_only(load_config(source)), sort_keys=False))
    return target
