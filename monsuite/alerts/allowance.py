"""How much a stage may exceed its configured floor in this run, from what this run measured.

The floors (S, E, F, G) come from the configuration. What the machine adds on top (Prometheus'
notifier, Alertmanager, the receivers, a busy core) is measured by the canary, which fires throughout
the campaign. The pipeline check judges the stage that group_wait governs: from Alertmanager's receipt
to the last delivery (or from firing, where Alertmanager does not log its receipts). The canary's
cycles give that stage's excess over group_wait, in this run and under this load, and a scenario fails
only when it is an outlier against them: above the far-out fence of the distribution (Q3 + 3 IQR,
Tukey) and above twice the largest excess any canary cycle showed in the run. (Latency tails are
heavy: a scenario drawn from the canary's own distribution exceeds the canary's largest value about as
often as not, so the largest alone would fail sound configurations; twice it does not, while a wrong
group_wait (10x in tests/test_wrong_configurations.py) still stands out by far.) Judged from firing, the scenario's own
rule group's longest evaluation is added (the firing timestamp is the group's evaluation start, and
Prometheus sends a rule's alerts once that rule is evaluated). A run without a canary falls back to
fixed allowances and says so.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from monsuite.alerts.canary import LANES, CanarySample

MIN_PIPELINE_MS = 50.0  # never stricter than this: below it, scheduling noise is not a configuration fault
MIN_TOTAL_MS = 200.0
MIN_CANARY_SAMPLES = 4 * LANES  # four cycles' worth; fewer make no distribution (fixed allowances then)
TAIL_FACTOR = 2.0  # an outlier exceeds this multiple of the largest excess the canary showed
# A sound configuration should fail a campaign's precision checks at most this often: the fence is where
# the canary's tail (exponential above its median) leaves this probability to any of the judged scenarios.
FALSE_ALARM_PER_CAMPAIGN = 0.001
FROM_ALERTMANAGER = "alertmanager_to_delivered"
FROM_FIRING = "firing_to_delivered"


@dataclass
class Allowances:
    source: str  # "canary" or "fixed"
    why: str
    stage: str = FROM_FIRING  # the stage the pipeline check judges
    group_wait_ms: int = 0
    period_seconds: float = 0.0  # the canary's cycle
    samples: list[CanarySample] = field(default_factory=list)
    fence_ms: float = MIN_PIPELINE_MS
    scrape_ms: float = 0.0  # the longest scrape seen in the campaign (a sample counts once committed)
    group_eval_ms: dict[str, float] = field(default_factory=dict)  # rule group name -> longest evaluation
    to_alertmanager_ms: float = 0.0  # the canary's longest firing -> Alertmanager receipt
    tail_ms: float = 0.0  # the exponential-tail fence (see tail_fence)

    @classmethod
    def fixed(cls, why: str) -> "Allowances":
        return cls("fixed", f"fixed allowances ({MIN_PIPELINE_MS:.0f} ms pipeline, {MIN_TOTAL_MS:.0f} ms total): {why}")

    @classmethod
    def measured(cls, samples: list[CanarySample], group_wait_ms: int, period_seconds: float, scrape_ms: float,
                 group_eval_ms: dict[str, float] | None = None, judged: int = 1) -> "Allowances":
        """`judged`: how many scenarios the campaign judges against this allowance."""
        if len(samples) < MIN_CANARY_SAMPLES:
            return cls.fixed(f"only {len(samples)} canary alerts were delivered "
                             f"({MIN_CANARY_SAMPLES} needed for a distribution)")
        stage = FROM_ALERTMANAGER if all(s.received is not None for s in samples) else FROM_FIRING
        allowances = cls("canary", "", stage, group_wait_ms, period_seconds, list(samples), 0.0, scrape_ms,
                         dict(group_eval_ms or {}),
                         max((s.to_alertmanager_ms or 0.0 for s in samples), default=0.0))
        excess = sorted(allowances._excess(s) for s in samples)
        q1, _, q3 = statistics.quantiles(excess, n=4, method="inclusive")
        allowances.tail_ms = tail_fence(excess, judged)
        allowances.fence_ms = max(q3 + 3 * (q3 - q1), TAIL_FACTOR * excess[-1], allowances.tail_ms)
        title = "Alertmanager -> delivered" if stage == FROM_ALERTMANAGER else "firing -> delivered"
        allowances.why = (f"canary: {len(samples)} alerts ({LANES} per cycle); {title} beyond group_wait p50 {statistics.median(excess):.0f} ms, "
                          f"max {excess[-1]:.0f} ms; allowed max(Q3 + 3 IQR, {TAIL_FACTOR:g} x max, tail for 1 false alarm in "
                          f"{1 / FALSE_ALARM_PER_CAMPAIGN:.0f} campaigns of {judged}: {allowances.tail_ms:.0f} ms) = {allowances.fence_ms:.0f} ms; "
                          f"firing -> Alertmanager max {allowances.to_alertmanager_ms:.0f} ms; longest scrape {scrape_ms:.0f} ms")
        if allowances.group_eval_ms:
            slowest = max(allowances.group_eval_ms, key=allowances.group_eval_ms.get)
            allowances.why += f"; longest rule group evaluation {allowances.group_eval_ms[slowest]:.0f} ms ({slowest})"
        return allowances

    def _excess(self, sample: CanarySample) -> float:
        if self.stage == FROM_ALERTMANAGER:
            return sample.alertmanager_excess_ms(self.group_wait_ms)
        return sample.excess_ms(self.group_wait_ms)

    def largest_excess_ms(self) -> float:
        """The most any canary cycle's judged stage took beyond group_wait: how late a tick ran plus how long
        its notification took to send, at worst in this run."""
        if self.source != "canary":
            return MIN_PIPELINE_MS
        return max(self._excess(s) for s in self.samples)

    def pipeline_ms(self, group: str | None = None) -> float:
        """What the judged stage (see `stage`) may exceed group_wait by, for an alert of rule group `group`."""
        if self.source != "canary":
            return MIN_PIPELINE_MS
        extra = self.group_eval_ms.get(group or "", 0.0) if self.stage == FROM_FIRING else 0.0
        return round(max(MIN_PIPELINE_MS, self.fence_ms) + extra, 1)

    def total_ms(self, group: str | None = None) -> float:
        """What `fault in place -> delivered` may exceed S+E+F+G+ramp+delay by: the pipeline's allowance, the
        rule group's evaluation, Prometheus -> Alertmanager, and the longest scrape (a sample is visible to
        rules only once its scrape is committed)."""
        if self.source != "canary":
            return MIN_TOTAL_MS
        pipeline = max(MIN_PIPELINE_MS, self.fence_ms)
        extra = self.group_eval_ms.get(group or "", 0.0) + self.to_alertmanager_ms + self.scrape_ms
        return round(max(MIN_TOTAL_MS, pipeline + extra), 1)

    def machine_ms(self, group: str | None = None) -> float:
        """What `firing -> delivered` spends beyond group_wait on the machine itself (the rule group's
        evaluation, Prometheus -> Alertmanager, Alertmanager -> receivers): the part of a compressed budget
        that no time scale compresses."""
        if self.source != "canary":
            return MIN_PIPELINE_MS
        return round(max(MIN_PIPELINE_MS, self.fence_ms) + self.group_eval_ms.get(group or "", 0.0) + self.to_alertmanager_ms, 1)

    def to_dict(self) -> dict:
        return {"source": self.source, "why": self.why, "stage": self.stage, "fence_ms": round(self.fence_ms, 1),
                "scrape_ms": round(self.scrape_ms, 1), "tail_ms": round(self.tail_ms, 1), "to_alertmanager_ms": round(self.to_alertmanager_ms, 1),
                "group_eval_ms": {k: round(v, 1) for k, v in self.group_eval_ms.items()},
                "canary_alerts": len(self.samples), "canary_lanes": LANES, "canary_excess_ms": [round(self._excess(s), 1) for s in self.samples],
                "canary_period_seconds": self.period_seconds}


def tail_fence(excess: list[float], judged: int) -> float:
    """The excess that any of `judged` scenarios drawn from the canary's distribution passes with probability
    FALSE_ALARM_PER_CAMPAIGN, the tail above the median taken as exponential (latency tails are at least
    that heavy): P(X > m + t) = 0.5 exp(-t / beta), beta the mean excess above the median m."""
    ordered = sorted(excess)
    median = statistics.median(ordered)
    above = [x - median for x in ordered if x > median]
    beta = statistics.fmean(above) if above else 0.0
    return median + beta * math.log(max(1, judged) / (2 * FALSE_ALARM_PER_CAMPAIGN))
