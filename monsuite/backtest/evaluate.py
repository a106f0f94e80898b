"""A rule's expression over a time range, at its group's evaluation interval, by range queries against a
real Prometheus: split into chunks Prometheus accepts (at most 11,000 points a series) and asked in
parallel; then the rule manager's states (states.firings) per series."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from monsuite.backtest.states import Firing, firings
from monsuite.clients.prometheus import PrometheusClient
from monsuite.rules.model import Rule

CHUNK_POINTS = 10_000  # under Prometheus' 11,000 points per series of one range query
DEFAULT_INTERVAL_S = 60.0  # a group without its own interval: Prometheus' default evaluation_interval


@dataclass
class RuleResult:
    rule: Rule
    step: float
    start: float  # the first evaluation inside the range
    end: float  # the last one
    firings: list[Firing] = field(default_factory=list)
    series: int = 0  # series the expression returned at some evaluation
    error: str = ""  # Prometheus' answer, where it refused the query

    def alert_labels(self, firing: Firing) -> dict:
        """As the alert carries them: the series' labels without __name__, the rule's labels, alertname."""
        return {**{k: v for k, v in firing.labels if k != "__name__"}, **{k: str(v) for k, v in self.rule.labels.items()},
                "alertname": self.rule.alert}


def evaluation_times(start: float, end: float, step: float, phase: float = 0.0) -> tuple[float, float]:
    """The first and last evaluation inside [start, end], on the interval's grid: from the epoch, shifted by
    `phase` seconds (where a running Prometheus evaluates the group)."""
    return phase + math.ceil((start - phase) / step) * step, phase + math.floor((end - phase) / step) * step


def backtest_rule(client: PrometheusClient, rule: Rule, start: float, end: float, *, interval_s: float | None = None,
                  phases: dict[tuple[str, float], float] | None = None, workers: int = 4) -> RuleResult:
    phases = phases or {}
    running = [interval for name, interval in phases if name == rule.group]
    if rule.group_interval_ms:
        step = rule.group_interval_ms / 1000
    else:  # the global interval: as the Prometheus running this group evaluates it, else as given
        step = running[0] if len(running) == 1 else (interval_s or DEFAULT_INTERVAL_S)
    first, last = evaluation_times(start, end, step, phases.get((rule.group, step), 0.0))
    result = RuleResult(rule, step, first, last)
    # evaluations before the range decide what is pending or firing when it begins
    warm_up = math.ceil((rule.for_ms / 1000 + keep_firing_for(rule)) / step) * step + step
    try:
        times = condition_times(client, rule.expr, first - warm_up, last, step, workers=workers)
    except Exception as exc:  # noqa: BLE001 - a refused query is this rule's result, not the run's end
        result.error = str(exc)
        return result
    result.series = len(times)
    for labels, seen in times.items():
        for made in firings(labels, seen, step, rule.for_ms / 1000, keep_firing_for(rule), end=last):
            if made.resolved_at is None or made.resolved_at > first:
                result.firings.append(made)
    result.firings.sort(key=lambda f: (f.fired_at, f.labels))
    return result


def keep_firing_for(rule: Rule) -> float:
    return rule.keep_firing_for_ms / 1000


def condition_times(client: PrometheusClient, expr: str, first: float, last: float, step: float, *,
                    workers: int = 4) -> dict[tuple, list[float]]:
    """Per series (sorted label pairs), the evaluation times at which `expr` returned it."""
    chunks = []
    at = first
    while at <= last:
        chunk_end = min(last, at + (CHUNK_POINTS - 1) * step)
        chunks.append((at, chunk_end))
        at = chunk_end + step
    found: dict[tuple, list[float]] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chunks))), thread_name_prefix="backtest") as pool:
        for matrix in pool.map(lambda c: client.query_range(expr, c[0], c[1], step), chunks):
            for series in matrix:
                key = tuple(sorted(series["metric"].items()))
                found.setdefault(key, []).extend(float(t) for t, _ in series["values"])
    return found
