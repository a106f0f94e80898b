"""Which notifications to render: for each example alert, every receiver the user's routing tree brings it
to (asked of a real Alertmanager running that tree), as one alert alone and as several in one group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from monsuite.routing.config import routing_only
from monsuite.routing.engines import LiveAlertmanager
from monsuite.templates.config import SEVERAL_GROUP_INTERVAL, TemplateConfig, dump, route_for
from monsuite.templates.examples import ExampleAlert
from monsuite.waits import wait_until

# The label whose value differs between the alerts of a group of several, in this order of preference.
VARIED = ("instance", "pod", "host", "node", "device", "job")


@dataclass(frozen=True)
class Posted:
    """An alert as posted: an example, or a sibling of it that differs in one label."""
    labels: dict
    annotations: dict
    example: ExampleAlert

    @property
    def key(self) -> tuple:
        return tuple(sorted(self.labels.items()))


@dataclass
class Case:
    receiver: str
    alerts: list[Posted]
    group_by: list[str]
    several: bool
    slug: str = ""  # unique within the receiver; set by plan()

    @property
    def alertname(self) -> str:
        return self.alerts[0].labels.get("alertname", "")

    @property
    def title(self) -> str:
        return f"{self.alertname}, {len(self.alerts)} alerts in one group" if self.several else f"{self.alertname}, one alert"

    @property
    def route(self) -> dict:
        if not self.several:
            return route_for(self.receiver, self.group_by, self.alerts[0].labels)
        name = varied_label(self.alerts[0].labels, self.group_by)
        common = {k: v for k, v in self.alerts[0].labels.items() if k != name}
        route = route_for(self.receiver, self.group_by, common, (name, [a.labels[name] for a in self.alerts]))
        # the alerts resolved together must reach the group between two of its ticks
        return {**route, "group_interval": SEVERAL_GROUP_INTERVAL}


def varied_label(labels: dict, group_by: list[str] | None = None) -> str | None:
    taken = set(group_by or ())
    if "..." in taken:
        return None
    return next((name for name in VARIED if name in labels and name not in taken), None)


def siblings(example: ExampleAlert, count: int = 2) -> list[Posted]:
    """`count` alerts like the example on other series: its varied label gets other values (in annotations too)."""
    name = varied_label(example.labels)
    if name is None:
        return []
    value = example.labels[name]
    made = []
    for n in range(2, 2 + count):
        other = _other_value(value, n)
        labels = {**example.labels, name: other}
        annotations = {k: v.replace(value, other) if value else v for k, v in example.annotations.items()}
        made.append(Posted(labels, annotations, example))
    return made


def _other_value(value: str, n: int) -> str:
    """web-1:9100 -> web-2:9100 (a trailing number counted on), else db:5432 -> db-2:5432."""
    host, colon, port = value.partition(":") if re.fullmatch(r"[^:]+:\d+", value) else (value, "", "")
    numbered = re.fullmatch(r"(.*?)(\d+)", host)
    host = f"{numbered.group(1)}{int(numbered.group(2)) + n - 1}" if numbered else f"{host}-{n}"
    return f"{host}{colon}{port}"


def plan(config: TemplateConfig, examples: list[ExampleAlert], workdir: Path,
         receivers: list[str] | None = None, alertmanager: str | None = None) -> list[Case]:
    """Every (receiver, alert set) the user's tree makes, in example order; `receivers` narrows them."""
    singles = [Posted(e.labels, e.annotations, e) for e in examples]
    groups = {id(e): siblings(e) for e in examples}
    everything = singles + [p for made in groups.values() for p in made]
    routed = _groups_of(config, everything, workdir, alertmanager)
    cases: list[Case] = []
    for single in singles:
        for receiver, group_by in routed.get(single.key, []):
            if receivers and receiver not in receivers:
                continue
            cases.append(Case(receiver, [single], group_by, several=False))
            pair = groups[id(single.example)]
            if pair and varied_label(single.labels, group_by) and all(
                    (receiver, group_by) in routed.get(p.key, []) for p in pair):
                cases.append(Case(receiver, pair, group_by, several=True))
    _name(cases)
    return cases


def _groups_of(config: TemplateConfig, alerts: list[Posted], workdir: Path,
               alertmanager: str | None) -> dict[tuple, list[tuple[str, list[str]]]]:
    """Per alert, (receiver, the label names it is grouped by there), as the user's tree routes it."""
    routing = routing_only(config.config)
    routing.pop("inhibit_rules", None)  # what routing can bring to a receiver, inhibited or not
    path = workdir / "routing.yml"
    path.write_text(dump(routing))
    found: dict[tuple, list[tuple[str, list[str]]]] = {}
    wanted = {p.key for p in alerts}

    def every_alert_grouped(groups: list[dict]) -> bool:
        return wanted <= {tuple(sorted(a["labels"].items())) for g in groups for a in g.get("alerts") or []}

    with LiveAlertmanager(path, binary=alertmanager) as am:
        am.post([{"labels": p.labels, "annotations": p.annotations} for p in alerts])
        groups = wait_until(lambda: am.client.json("GET", "/api/v2/alerts/groups", shape=list), accept=every_alert_grouped,
                            timeout=30, what="Alertmanager to group every example alert")
        for group in groups:
            receiver, names = group["receiver"]["name"], sorted(group.get("labels") or {})
            for alert in group.get("alerts") or []:
                entry = (receiver, names)
                places = found.setdefault(tuple(sorted(alert["labels"].items())), [])
                if all(r != receiver for r, _ in places):  # one group per receiver: the first route's
                    places.append(entry)
    return found


def _name(cases: list[Case]) -> None:
    """File-safe names, unique per receiver: HighErrorRate.one, HighErrorRate.several, HighErrorRate-2.one"""
    seen: dict[tuple[str, str], int] = {}
    examples: dict[tuple[str, str, int], int] = {}
    for case in cases:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", case.alertname) or "alert"
        example = id(case.alerts[0].example)
        number = examples.get((case.receiver, base, example))
        if number is None:
            number = seen[(case.receiver, base)] = seen.get((case.receiver, base), 0) + 1
            examples[(case.receiver, base, example)] = number
        stem = base if number == 1 else f"{base}-{number}"
        case.slug = f"{stem}.{'several' if case.several else 'one'}"
