"""Mutants only a live run can see: the Alertmanager's timing.

The stack starts once; its scenarios must pass on the unmodified stack first. Then, one at a time, the
rendered alertmanager.yml gets one route's group_wait multiplied, Alertmanager reloads it, and the alert
campaign runs again: the mutant is killed when a scenario fails (the campaign holds each stage to its
floor, so a slower group_wait shows as firing -> delivered beyond it). The original config is restored
and reloaded at the end, whatever happens.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import requests
import yaml

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
    found = []
    for path, route in walk_routes(config.get("route") or {}, ()):
        if route.get("group_wait"):
            wait = parse_ms(str(route["group_wait"]))
            mutated = copy.deepcopy(config)
            target = mutated["route"]
            for index in path:
                target = target["routes"][index]
            target["group_wait"] = format_ms(wait * TIMING_FACTOR)
            found.append((f"{describe_route(path, route)}: group_wait {format_ms(wait)} -> {format_ms(wait * TIMING_FACTOR)}",
                          mutated))
    return found


def run_live_mutants(manifest, runtime: str = "auto", profile: str = "ci",
                     log: Callable[[str], None] = lambda line: None) -> list[LiveVerdict]:
    from monsuite.alerts.scenarios import load_for_stack
    from monsuite.stack import Stack

    scenarios, rules = load_for_stack(manifest)
    if not scenarios:
        raise UserError(f"{manifest.path}: the stack declares no scenarios; --live judges mutants with them")
    with Stack(manifest, runtime=runtime, profile=profile) as stack:
        path = stack.run_dir / "config" / "alertmanager.yml"
        url = stack.first_url("alertmanager")
        original = path.read_text()
        failed = _campaign(stack, scenarios, rules)
        if failed:
            raise UserError(f"{manifest.path}: scenarios {', '.join(failed)} fail on the unmodified stack, so they "
                            "cannot judge mutants")
        verdicts = []
        try:
            for description, mutated in timing_mutants(yaml.safe_load(original)):
                path.write_text(yaml.safe_dump(mutated, sort_keys=False))
                _reload(url)
                failed = _campaign(stack, scenarios, rules)
                verdicts.append(LiveVerdict(description, bool(failed), tuple(failed)))
                log(f"live mutant {description}: {'killed by ' + ', '.join(failed) if failed else 'survived'}")
        finally:
            path.write_text(original)
            _reload(url)
    return verdicts


def _campaign(stack, scenarios, rules) -> list[str]:
    from monsuite.alerts.campaign import Campaign
    from monsuite.alerts.report import campaign_body

    campaign = Campaign(stack, scenarios, rules, log=lambda message: None)
    campaign.run()
    return [r["scenario"] for r in campaign_body(campaign)["scenarios"] if r["status"] == "failed"]


def _reload(url: str) -> None:
    response = requests.post(f"{url.rstrip('/')}/-/reload", timeout=30)
    if response.status_code != 200:
        raise UserError(f"Alertmanager refused the mutated config: HTTP {response.status_code} {response.text[:200]}")
