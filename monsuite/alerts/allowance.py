"""How much a stage may exceed its configured floor in this run, from what this run measured.

The floors (S, E, F, G) come from the configuration. What the machine adds on top (Prometheus'
notifier, Alertmanager, the receiver, a busy core) is measured by the canary, which fires throughout the
campaign: its cycles' `firing -> delivered` minus its group_wait is the pipeline's own excess, in this
run and under this load. A scenario's pipeline fails the precision check only when it is an outlier
against that: above the far-out fence of the whole distribution (Q3 + 3 IQR, Tukey) and above every
canary cycle that fired near it in time. A run without a canary falls back to fixed allowances and
says so.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from monsuite.alerts.canary import CanarySample

MIN_PIPELINE_MS = 50.0  # never stricter than this: below it, scheduling noise is not a configuration fault
MIN_TOTAL_MS = 200.0
NEAR_SECONDS_FACTOR = 2  # canary cycles within this many periods of a scenario's firing count as "near"


@dataclass
class Allowances:
    source: str  # "canary" or "fixed"
    why: str
    group_wait_ms: int = 0
    period_seconds: float = 0.0
    samples: list[CanarySample] = field(default_factory=list)
    fence_ms: float = MIN_PIPELINE_MS
    scrape_ms: float = 0.0  # the longest scrape seen in the campaign (a sample counts once committed)

    @classmethod
    def fixed(cls, why: str) -> "Allowances":
        return cls("fixed", f"fixed allowances ({MIN_PIPELINE_MS:.0f} ms pipeline, {MIN_TOTAL_MS:.0f} ms total): {why}")

    @classmethod
    def measured(cls, samples: list[CanarySample], group_wait_ms: int, period_seconds: float, scrape_ms: float) -> "Allowances":
        if len(samples) < 4:
            return cls.fixed(f"only {len(samples)} canary cycles were delivered (4 needed for a distribution)")
        excess = sorted(s.excess_ms(group_wait_ms) for s in samples)
        q1, _, q3 = statistics.quantiles(excess, n=4, method="inclusive")
        fence = q3 + 3 * (q3 - q1)
        why = (f"canary: {len(samples)} cycles, pipeline excess over group_wait p50 {statistics.median(excess):.0f} ms, "
               f"max {excess[-1]:.0f} ms; fence Q3 + 3 IQR = {fence:.0f} ms; longest scrape {scrape_ms:.0f} ms")
        return cls("canary", why, group_wait_ms, period_seconds, list(samples), fence, scrape_ms)

    def _near_max_ms(self, at: float) -> float:
        window = NEAR_SECONDS_FACTOR * self.period_seconds
        near = [s.excess_ms(self.group_wait_ms) for s in self.samples if abs(s.firing - at) <= window]
        return max(near, default=0.0)

    def pipeline_ms(self, firing_at: float | None) -> float:
        """What `firing -> delivered` may exceed group_wait by, for an alert that fired at `firing_at`."""
        if self.source != "canary":
            return MIN_PIPELINE_MS
        near = self._near_max_ms(firing_at) if firing_at is not None else 0.0
        return round(max(MIN_PIPELINE_MS, self.fence_ms, near), 1)

    def total_ms(self, firing_at: float | None) -> float:
        """What `fault in place -> delivered` may exceed S+E+F+G+ramp+delay by: the pipeline's allowance
        plus the longest scrape (a sample is visible to rules only once its scrape is committed)."""
        if self.source != "canary":
            return MIN_TOTAL_MS
        return round(max(MIN_TOTAL_MS, self.pipeline_ms(firing_at) + self.scrape_ms), 1)

    def to_dict(self) -> dict:
        excess = [round(s.excess_ms(self.group_wait_ms), 1) for s in self.samples]
        return {"source": self.source, "why": self.why, "fence_ms": round(self.fence_ms, 1),
                "scrape_ms": round(self.scrape_ms, 1), "canary_cycles": len(self.samples),
                "canary_excess_ms": excess, "canary_period_seconds": self.period_seconds}
