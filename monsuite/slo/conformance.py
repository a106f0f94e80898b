"""The measurements of a monsuite run that conformance SLOs (monsuite/v1) read, as (good, total) counts.

- alert_latency: scenarios whose firing -> delivered time stayed within the scenario's budget (the seeds'
  "< 30 s from detection to notification", scaled with the profile);
- alert_accuracy: scenarios whose alert fired in Prometheus and was delivered, and to no receiver
  beyond the scenario's own;
- alert_quiet: alerts that fired for an injected fault, out of all alerts that fired in the run (the
  others fired during fault-free load: noise);
- dashboard_load: dashboard loads under the SLO's threshold;
- trace_coverage: requests whose trace reached the trace backend (monsuite.trace_coverage).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunMeasurements:
    campaign: dict | None = None  # the conformance campaign's alerts.json body
    dashboard_seconds: list[float] = field(default_factory=list)
    false_alarms: list[str] | None = None  # alerts that fired during fault-free load (None: not measured)
    traces: tuple[int, int] | None = None  # (traces found, requests sent)

    def counts(self, conformance: str, threshold_ms: int = 0) -> tuple[int, int] | None:
        ran = [s for s in (self.campaign or {}).get("scenarios", []) if s.get("status") != "skipped"]
        if conformance == "alert_latency" and ran:
            return sum(1 for s in ran if _within_budget(s)), len(ran)
        if conformance == "alert_accuracy" and ran:
            return sum(1 for s in ran if _accurate(s)), len(ran)
        if conformance == "alert_quiet" and ran and self.false_alarms is not None:
            fired = sum(1 for s in ran if s["times"].get("firing") is not None)
            return fired, fired + len(self.false_alarms)
        if conformance == "trace_coverage":
            return self.traces
        if conformance == "dashboard_load" and self.dashboard_seconds:
            return sum(1 for s in self.dashboard_seconds if s * 1000 <= threshold_ms), len(self.dashboard_seconds)
        return None


def _within_budget(scenario: dict) -> bool:
    stage = scenario["stages_ms"].get("firing_to_delivered")
    return stage is not None and stage <= scenario["floors_ms"]["budget_ms"]


def _accurate(scenario: dict) -> bool:
    return (scenario["times"].get("firing") is not None and bool(scenario.get("receivers_firing"))
            and not scenario.get("unexpected_receivers"))
