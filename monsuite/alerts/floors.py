"""What each stage may take at best and at worst, from the configuration that ran."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

from monsuite.alerts.scenarios import Scenario
from monsuite.rules.model import Rule
from monsuite.timescale import parse_ms



@dataclass(frozen=True)
class Floors:
    scrape_ms: int  # S
    evaluation_ms: int  # E: the rule group's interval
    for_ms: int  # F
    group_wait_ms: int  # G
    ramp_ms: int  # the time the expression's window needs to cross its threshold
    delay_ms: int  # unscaled: the time before the fault can show at all (e.g. injected latency)
    budget_ms: int  # firing -> delivered, the product's target
    notify_within_ms: int = 0  # fault -> delivered, the user's target for this alert (0: none)
    time_scale: float = 1  # >1: the configured durations above were divided by it (the machine's own latency was not)

    @property
    def best_total_ms(self) -> int:
        return self.delay_ms + self.for_ms + self.group_wait_ms

    @property
    def detection_ms(self) -> int:
        """Fault in place -> the expression first true, at worst."""
        return self.delay_ms + self.scrape_ms + self.evaluation_ms + self.ramp_ms

    @property
    def notification_ms(self) -> int:
        """Pending -> delivered, at worst: `for` counted in evaluations, then group_wait."""
        return self.evaluation_ms + self.for_ms + self.group_wait_ms

    @property
    def worst_total_ms(self) -> int:
        return self.detection_ms + self.for_ms + self.group_wait_ms

    def to_dict(self) -> dict:
        return {**asdict(self), "best_total_ms": self.best_total_ms, "worst_total_ms": self.worst_total_ms}


def floors_for(scenario: Scenario, rule: Rule, profile: dict) -> Floors:
    scale = profile.get("time_scale", 1)

    def scaled(ms: int) -> int:
        return max(1, round(ms / scale)) if ms else 0

    evaluation = scaled(rule.group_interval_ms) if rule.group_interval_ms else parse_ms(profile["evaluation_interval"])
    return Floors(
        scrape_ms=parse_ms(profile["scrape_interval"]), evaluation_ms=evaluation, for_ms=scaled(rule.for_ms),
        group_wait_ms=parse_ms(profile.get("group_wait", "0s")), ramp_ms=scaled(scenario.ramp_ms), delay_ms=scenario.delay_ms,
        budget_ms=scaled(scenario.budget_ms), notify_within_ms=scaled(scenario.notify_within_ms), time_scale=scale,
    )


def phase_ms(scenarios: list[Scenario], estimate: Callable[[Scenario], int]) -> int:
    """How long scenarios take side by side on one stack: the longest one, or the longest chain of those
    that use the same thing."""
    chains: dict[str, int] = {}
    for scenario in scenarios:
        for thing in scenario.uses:
            chains[thing] = chains.get(thing, 0) + estimate(scenario)
    return max([*(estimate(s) for s in scenarios), *chains.values()], default=0)
