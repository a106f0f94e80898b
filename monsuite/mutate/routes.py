"""Mutants of an Alertmanager routing tree, judged by routing cases through amtool.

Each route's receiver swapped for another receiver of the config, and each route's `continue` flipped
(except on a last child, after which no sibling could match): the ways an alert ends up with the wrong team. A mutant is killed when some routing case (routes.yaml)
no longer gets exactly its receivers.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from monsuite.routing.cases import load_cases
from monsuite.routing.engines import amtool_routes
from monsuite.routing.config import write_routing_only


@dataclass(frozen=True)
class RouteVerdict:
    description: str
    killed: bool


def run_route_mutants(config: Path, cases_path: Path) -> list[RouteVerdict]:
    cases = load_cases(cases_path)
    expected = [c.receivers for c in cases.routes]
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="monsuite-route-mutants-") as directory:
        plain = write_routing_only(Path(config), Path(directory) / "alertmanager.yml")
        original = yaml.safe_load(plain.read_text())
        for index, (description, mutated) in enumerate(route_mutants(original)):
            path = Path(directory) / f"mutant-{index}.yml"
            path.write_text(yaml.safe_dump(mutated, sort_keys=False))
            got = amtool_routes(path, cases, shown_as=Path(config))
            verdicts.append(RouteVerdict(description, [tuple(g) for g in got] != [tuple(e) for e in expected]))
    return verdicts


def route_mutants(config: dict) -> list[tuple[str, dict]]:
    receivers = [r["name"] for r in config.get("receivers") or [] if isinstance(r, dict) and r.get("name")]
    found = []
    for path, route in walk_routes(config.get("route") or {}, ()):
        where = describe_route(path, route)
        current = route.get("receiver")
        others = [r for r in receivers if r != current]
        if current and others:
            swapped = others[(receivers.index(current) if current in receivers else 0) % len(others)]
            found.append((f"{where}: receiver {current} -> {swapped}", _changed(config, path, "receiver", swapped)))
        if path and not _last_sibling(config, path):  # the root has no `continue`; after the last child none follows
            flipped = not route.get("continue", False)
            found.append((f"{where}: continue {not flipped} -> {flipped}", _changed(config, path, "continue", flipped)))
    return found


def walk_routes(route: dict, path: tuple):
    yield path, route
    for index, child in enumerate(route.get("routes") or []):
        yield from walk_routes(child, path + (index,))


def _last_sibling(config: dict, path: tuple) -> bool:
    parent = config["route"]
    for index in path[:-1]:
        parent = parent["routes"][index]
    return path[-1] == len(parent["routes"]) - 1


def describe_route(path: tuple, route: dict) -> str:
    if not path:
        return "root route"
    matchers = route.get("matchers") or [f"{k}={v}" for k, v in (route.get("match") or {}).items()] + \
        [f"{k}=~{v}" for k, v in (route.get("match_re") or {}).items()]
    return "route " + ".".join(str(i) for i in path) + (f" ({', '.join(map(str, matchers))})" if matchers else "")


def _changed(config: dict, path: tuple, key: str, value) -> dict:
    mutated = copy.deepcopy(config)
    route = mutated["route"]
    for index in path:
        route = route["routes"][index]
    route[key] = value
    return mutated
