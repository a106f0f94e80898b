"""Mutants only a live run can see: the Alertmanager's timing.

The stack's scenarios must pass on a fresh, unmodified stack first. Then, one mutant at a time, a fresh
stack starts, its rendered alertmanager.yml gets one route's group_wait multiplied and Alertmanager
reloads it before any scenario fires (group_wait applies only to a new group, so a stack whose groups
already exist could not show it), and the alert campaign runs: the mutant is killed when a scenario
fails (the campaign holds each stage to its floor, so a slower group_wait shows as firing -> delivered
beyond it).

A busy machine can hide a mutant: the campaign excuses what Alertmanager and the sinks waited for a CPU,
and where that (with the canary's allowance) is as long as the delay the mutant adds, a passing campaign
proves nothing. Such a mutant is tried again on a fresh stack, and is reported undecided, with the
measured waits, if every try was as busy.
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
TRIES = 3  # fresh runs of a mutant a busy machine kept from being judged


@dataclass(frozen=True)
class LiveVerdict:
    description: str
    killed: bool
    failed_scenarios: tuple[str, ...] = field(default_factory=tuple)
    undecided: str = ""  # why no run could tell (the machine's waits as long as what the mutant adds)


@dataclass(frozen=True)
class TimingMutant:
    description: str
    config: dict
    added_ms: int  # how much later than the original its route's first notification may go


def timing_mutants(config: dict) -> list[TimingMutant]:
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
            found.append(TimingMutant(f"{describe_route(path, route)}: group_wait {format_ms(wait)} -> "
                                      f"{format_ms(wait * TIMING_FACTOR)}", mutated, wait * (TIMING_FACTOR - 1)))
    return found


def run_live_mutants(run, log: Callable[[str], None] = lambda line: None) -> list[LiveVerdict]:
    """run: a monsuite.run.Run; each mutant is judged on a fresh stack of it."""
    from monsuite.alerts.scenarios import load_for_stack

    manifest = run.manifest
    scenarios, rules = load_for_stack(manifest)
    if not scenarios:
        raise UserError(f"{manifest.path}: the stack declares no scenarios; --live judges mutants with them")
    made, failed, _ = _fresh_run(run, scenarios, rules, None)
    if failed:
        raise UserError(f"{manifest.path}: scenarios {', '.join(failed)} fail on the unmodified stack, so they "
                        "cannot judge mutants")
    verdicts = []
    for index, mutant in enumerate(made):
        for attempt in range(1, TRIES + 1):
            _, failed, excused_ms = _fresh_run(run, scenarios, rules, index)
            verdict = judged(mutant, failed, excused_ms)
            if not verdict.undecided:
                break
            log(f"live mutant {mutant.description}: undecided on try {attempt} of {TRIES} ({verdict.undecided})")
        verdicts.append(verdict)
        log(f"live mutant {mutant.description}: " + ("killed by " + ", ".join(failed) if verdict.killed
                                                     else f"undecided ({verdict.undecided})" if verdict.undecided
                                                     else "survived"))
    return verdicts


def judged(mutant: TimingMutant, failed: list[str], excused_ms: float) -> LiveVerdict:
    """Killed when a scenario failed; undecided when none did but the campaign excused as much as the mutant
    adds (a scenario its route delivers might have passed only thanks to that); else survived."""
    if failed:
        return LiveVerdict(mutant.description, True, tuple(failed))
    if excused_ms >= mutant.added_ms:
        return LiveVerdict(mutant.description, False, undecided=(
            f"the campaign excused up to {excused_ms:.0f} ms (the canary's allowance and the CPU waits it measured), "
            f"no less than the {mutant.added_ms} ms the mutant adds"))
    return LiveVerdict(mutant.description, False)


def _fresh_run(run, scenarios, rules, mutant: int | None) -> tuple[list[TimingMutant], list[str], float]:
    """A fresh stack (Alertmanager's groups are new, so group_wait applies) with mutant number ``mutant`` of
    its rendered alertmanager.yml loaded before any scenario fires (None: unmodified): every timing mutant of
    the config, the scenarios that failed and the most the campaign excused a scenario's group_wait check."""
    with run.stack() as stack:
        path = stack.run_dir / "config" / "alertmanager.yml"
        made = timing_mutants(yaml.safe_load(path.read_text()))
        if mutant is not None:
            path.write_text(yaml.safe_dump(made[mutant].config, sort_keys=False))
            _reload(stack.first_url("alertmanager"))
        failed, excused_ms = _campaign(run, stack, scenarios, rules)
        return made, failed, excused_ms


def _campaign(run, stack, scenarios, rules) -> tuple[list[str], float]:
    """The scenarios that failed, and the most the campaign excused any scenario's group_wait check."""
    campaign = run.campaign(stack, scenarios=scenarios, rules=rules, log=lambda message: None)
    campaign.run()
    results = list(campaign.results.values())
    excused = [r.allowance_ms.get("pipeline", 0) + r.allowance_ms.get("cpu_wait", 0) for r in results]
    return [r.scenario for r in results if r.status == "failed"], max(excused, default=0.0)


def _reload(url: str) -> None:
    try:
        AlertmanagerClient(url).reload()
    except RuntimeError as exc:
        raise UserError(f"the mutated config: {exc}") from None
