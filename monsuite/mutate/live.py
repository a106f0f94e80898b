"""Mutants only a live run can see: the Alertmanager's timing.

The stack's scenarios must pass on a fresh, unmodified stack first. Then, one mutant at a time, a fresh
stack starts, its rendered alertmanager.yml gets one route's group_wait multiplied and Alertmanager
reloads it before any scenario fires (group_wait applies only to a new group, so a stack whose groups
already exist could not show it), and the alert campaign runs: the mutant is killed when a scenario
fails (the campaign holds each stage to its floor, so a slower group_wait shows as firing -> delivered
beyond it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import yaml

from monsuite.alerts.canary import ALERT as CANARY_ALERT
from monsuite.clients.alertmanager import AlertmanagerClient
from monsuite.errors import UserError
from monsuite.mutate.routes import describe_route, walk_routes
from monsuite.timescale import format_ms, parse_ms

TIMING_FACTOR = 10


@dataclass(frozen=True)
class LiveVerdict:
    description: str
    killed: bool
    failed_scenarios: tuple[str, ...] = field(default_factory=tuple)


def timing_mutants(config: dict) -> list[tuple[str, dict]]:
    """Each route's group_wait multiplied, except the route monsuite adds for its own canary alert."""
    found = []
    for path, route in walk_routes(config.get("route") or {}, ()):
        if route.get("group_wait") and f'alertname="{CANARY_ALERT}"' not in (route.get("matchers") or []):
            wait = parse_ms(str(route["group_wait"]))
            mutated = copy.deepcopy(config)
            target = mutated["route"]
            for index in path:
                target = target["routes"][index]
            target["group_wait"] = format_ms(wait * TIMING_FACTOR)
            found.append((f"{describe_route(path, route)}: group_wait {format_ms(wait)} -> {format_ms(wait * TIMING_FACTOR)}",
                          mutated))
    return found


def run_live_mutants(run, log: Callable[[str], None] = lambda line: None) -> list[LiveVerdict]:
    """run: a monsuite.run.Run; each mutant is judged on a fresh stack of it."""
    from monsuite.alerts.scenarios import load_for_stack

    manifest = run.manifest
    scenarios, rules = load_for_stack(manifest)
    if not scenarios:
        raise UserError(f"{manifest.path}: the stack declares no scenarios; --live judges mutants with them")
    made, failed = _fresh_run(run, scenarios, rules, None)
    if failed:
        raise UserError(f"{manifest.path}: scenarios {', '.join(failed)} fail on the unmodified stack, so they "
                        "cannot judge mutants")
    verdicts = []
    for index, description in enumerate(made):
        _, failed = _fresh_run(run, scenarios, rules, index)
        verdicts.append(LiveVerdict(description, bool(failed), tuple(failed)))
        log(f"live mutant {description}: {'killed by ' + ', '.join(failed) if failed else 'survived'}")
    return verdicts


def _fresh_run(run, scenarios, rules, mutant: int | None) -> tuple[list[str], list[str]]:
    """A fresh stack (Alertmanager's groups are new, so group_wait applies) with mutant number ``mutant`` of
    its rendered alertmanager.yml loaded before any scenario fires (None: unmodified): the descriptions of
    every timing mutant of the config, and the scenarios that failed."""
    with run.stack() as stack:
        path = stack.run_dir / "config" / "alertmanager.yml"
        made = timing_mutants(yaml.safe_load(path.read_text()))
        if mutant is not None:
            path.write_text(yaml.safe_dump(made[mutant][1], sort_keys=False))
            _reload(stack.first_url("alertmanager"))
        return [description for description, _ in made], _campaign(run, stack, scenarios, rules)


def _campaign(run, stack, scenarios, rules) -> list[str]:
    from monsuite.alerts.report import campaign_body

    campaign = run.campaign(stack, scenarios=scenarios, rules=rules, log=lambda message: None)
    campaign.run()
    return [r["scenario"] for r in campaign_body(campaign)["scenarios"] if r["status"] == "failed"]


def _reload(url: str) -> None:
    try:
        AlertmanagerClient(url).reload()
    except RuntimeError as exc:
        raise UserError(f"the mutated config: {exc}") from None
