"""Where each alert goes under an Alertmanager config. The matching is asked of a real Alertmanager: every
route of the user's tree is given a receiver named after its place in the tree, and every side of every
inhibition rule a route of its own, so the receivers Alertmanager reports for a label set say which routes
and which inhibition sides it matches. The timers and the grouping are inherited down the tree here, as
Alertmanager inherits them."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from monsuite.clients.prometheus import parse_duration
from monsuite.errors import ManifestError
from monsuite.routing.engines import LiveAlertmanager, alert

# Alertmanager's defaults for a root route that does not set them.
DEFAULT_TIMERS = {"group_wait": 30.0, "group_interval": 300.0, "repeat_interval": 14_400.0}
MATCHING_KEYS = ("matchers", "match", "match_re")
NOTHING = "monsuite-nothing"
POST_BATCH = 1000

# Integrations that tell of resolved alerts unless send_resolved says otherwise (Alertmanager's defaults).
SEND_RESOLVED_BY_DEFAULT = {"pagerduty_configs", "webhook_configs", "opsgenie_configs", "victorops_configs",
                            "pushover_configs", "sns_configs", "telegram_configs", "discord_configs", "webex_configs",
                            "msteams_configs", "msteamsv2_configs", "jira_configs", "rocketchat_configs"}


@dataclass(frozen=True)
class Route:
    path: str  # "0" for the root, "0.2.1" for the second child's first child
    receiver: str
    group_by: tuple[str, ...] | None  # None: every label ('...')
    group_wait: float
    group_interval: float
    repeat_interval: float
    # names of time intervals: a route's own, not inherited (as Alertmanager builds its routes)
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()

    def group_key(self, labels: dict) -> tuple:
        names = sorted(labels) if self.group_by is None else self.group_by
        return tuple((name, labels.get(name, "")) for name in names)


@dataclass(frozen=True)
class Integration:
    receiver: str
    kind: str  # e.g. pagerduty_configs
    index: int
    send_resolved: bool

    @property
    def name(self) -> str:
        return f"{self.receiver}/{self.kind.removesuffix('_configs')}[{self.index}]"


@dataclass(frozen=True)
class Destination:
    """What one label set matches: its routes, in the order Alertmanager walks them, and per inhibition rule
    whether it matches the source side and the target side."""
    routes: tuple[str, ...]
    sources: frozenset[int]
    targets: frozenset[int]


def routes_of(config: dict, source: Path) -> dict[str, Route]:
    made: dict[str, Route] = {}
    defined = {r.get("name") for r in config["receivers"] if isinstance(r, dict)}

    def walk(route: dict, path: str, inherited: dict) -> None:
        where = "route" if path == "0" else f"route (tree position {path})"
        timers = {}
        for name, default in inherited["timers"].items():
            try:
                timers[name] = parse_duration(str(route[name])) if route.get(name) not in (None, "") else default
            except ValueError:
                raise ManifestError(source, f"{where}.{name}", f"not a duration: {route[name]!r}") from None
        group_by = inherited["group_by"]
        if "group_by" in route:
            group_by = None if "..." in (route["group_by"] or []) else tuple(route["group_by"] or ())
        receiver = route.get("receiver") or inherited["receiver"]
        if receiver not in defined:
            raise ManifestError(source, f"{where}.receiver", f"no receiver named {receiver!r} is defined under receivers")
        made[path] = Route(path, receiver, group_by, mute_time_intervals=tuple(route.get("mute_time_intervals") or ()),
                           active_time_intervals=tuple(route.get("active_time_intervals") or ()), **timers)
        for index, child in enumerate(route.get("routes") or []):
            walk(child, f"{path}.{index}", {"timers": timers, "group_by": group_by, "receiver": receiver})

    walk(config["route"], "0", {"timers": DEFAULT_TIMERS, "group_by": (), "receiver": None})
    return made


def integrations_of(config: dict) -> dict[str, list[Integration]]:
    made = {}
    for receiver in config["receivers"]:
        made[receiver["name"]] = [
            Integration(receiver["name"], kind, index,
                        bool(entry.get("send_resolved", kind in SEND_RESOLVED_BY_DEFAULT)) if isinstance(entry, dict) else False)
            for kind, entries in receiver.items() if kind.endswith("_configs") and isinstance(entries, list)
            for index, entry in enumerate(entries)]
    return made


def matching_config(config: dict) -> dict:
    """The config Alertmanager is asked with: the user's tree under a root that lets it always match, each
    route's receiver renamed to its path; then one route per inhibition side, each continuing."""
    names = []

    def renamed(route: dict, path: str) -> dict:
        names.append(f"route {path}")
        made = {key: route[key] for key in (*MATCHING_KEYS, "continue") if key in route}
        made["receiver"] = f"route {path}"
        if route.get("routes"):
            made["routes"] = [renamed(child, f"{path}.{index}") for index, child in enumerate(route["routes"])]
        return made

    tree = renamed(config["route"], "0")
    tree["continue"] = True
    sides = []
    for index, rule in enumerate(config.get("inhibit_rules") or []):
        for side in ("source", "target"):
            name = f"inhibit {index} {side}"
            names.append(name)
            sides.append({"receiver": name, "continue": True,
                          **{key: rule[f"{side}_{key}"] for key in MATCHING_KEYS if f"{side}_{key}" in rule}})
    return {"route": {"receiver": NOTHING, "routes": [tree, *sides]},
            "receivers": [{"name": name} for name in (NOTHING, *names)]}


def destinations(config: dict, source: Path, label_sets: list[dict], *, binary: str | None = None) -> dict[tuple, Destination]:
    """Per label set (sorted label pairs): where Alertmanager sends it; `source`: the user's file, named in errors."""
    with tempfile.TemporaryDirectory(prefix="monsuite-backtest-routes-") as folder:
        path = Path(folder) / "alertmanager.yml"
        path.write_text(yaml.safe_dump(matching_config(config), sort_keys=False))
        found: dict[tuple, Destination] = {}
        with LiveAlertmanager(path, binary=binary, shown_as=source) as am:
            for at in range(0, len(label_sets), POST_BATCH):
                am.post([alert(labels) for labels in label_sets[at:at + POST_BATCH]])
            for posted in am.alerts():
                names = [r["name"] for r in posted["receivers"]]
                routes = sorted((n.split(" ", 1)[1] for n in names if n.startswith("route ")),
                                key=lambda p: tuple(int(x) for x in p.split(".")))
                sides = [n.split(" ")[1:] for n in names if n.startswith("inhibit ")]
                found[tuple(sorted(posted["labels"].items()))] = Destination(
                    tuple(routes), frozenset(int(i) for i, side in sides if side == "source"),
                    frozenset(int(i) for i, side in sides if side == "target"))
    return found

