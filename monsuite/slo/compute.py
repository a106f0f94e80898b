"""An SLO's numbers over a window, read from Prometheus: SLI, error budget (total, spent, remaining, as a
ratio and in minutes), burn rate per alert window pair, verdict; and the SLI and remaining budget over
time for the plots."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from monsuite.clients.prometheus import PrometheusClient
from monsuite.slo.burn import PAIRS
from monsuite.slo.conformance import RunMeasurements
from monsuite.slo.spec import SLO
from monsuite.timescale import format_ms, parse_ms

POINTS = 60  # samples of the SLI and budget time series over the window


@dataclass
class PairBurn:
    severity: str
    long: str
    short: str
    factor: float
    long_burn: float | None
    short_burn: float | None

    @property
    def alerting(self) -> bool:
        return (self.long_burn is not None and self.short_burn is not None
                and self.long_burn > self.factor and self.short_burn > self.factor)


@dataclass
class SLOResult:
    key: str
    service: str
    name: str
    kind: str
    source: str
    objective: float
    window: str
    sli: float | None  # None: no data in the window
    budget_minutes: float
    spent_ratio: float | None = None
    spent_minutes: float | None = None
    remaining_ratio: float | None = None
    remaining_minutes: float | None = None
    burn_rates: list[PairBurn] = field(default_factory=list)
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # "sli" and "remaining": (t, value)
    description: str = ""

    @property
    def verdict(self) -> str:
        if self.sli is None:
            return "no data"
        return "met" if self.sli >= self.objective else "violated"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["verdict"] = self.verdict
        for pair, raw in zip(self.burn_rates, data["burn_rates"]):
            raw["alerting"] = pair.alerting
        return data


def evaluate_conformance(slo: SLO, measured: RunMeasurements | None) -> SLOResult:
    """A conformance SLO from a run's measurements (no data when the run did not measure it)."""
    counts = measured.counts(slo.conformance, slo.threshold_ms) if measured else None
    good, total = counts or (0, 0)
    result = SLOResult(slo.key, slo.service, slo.name, slo.kind, slo.source, slo.objective, "this run",
                       good / total if total else None, 0.0, description=slo.description)
    if total:
        allowed = slo.budget_ratio * total  # the budget in events: how many may miss
        result.spent_ratio = (total - good) / allowed
        result.remaining_ratio = 1 - result.spent_ratio
    return result


def evaluate_all(slos: list[SLO], client: PrometheusClient, *, at: float, window_ms: int | None = None,
                 scale: float = 1, measured: RunMeasurements | None = None) -> list[SLOResult]:
    return [evaluate_conformance(slo, measured) if slo.kind == "conformance" else
            evaluate(slo, client, at=at, window_ms=window_ms, scale=scale) for slo in slos]


def _scalar(client: PrometheusClient, expr: str, at: float) -> float | None:
    result = client.query_at(f"sum({expr})", at)
    if not result:
        return None
    value = float(result[0]["value"][1])
    return None if math.isnan(value) or math.isinf(value) else value


def evaluate(slo: SLO, client: PrometheusClient, *, at: float, window_ms: int | None = None, scale: float = 1,
             points: int = POINTS) -> SLOResult:
    """`scale`: a time-compressed profile's factor; every window and slice is divided by it (the budget in
    minutes stays that of the real window: what this run's ratio would spend of it)."""
    window_ms = window_ms or slo.window_ms
    scaled = lambda ms: format_ms(max(int(ms / scale), 1000))  # noqa: E731
    window = scaled(window_ms)
    step = scaled(slo.time_slice_ms)
    budget_minutes = slo.budget_ratio * window_ms / 60_000
    error_ratio = _scalar(client, slo.error_ratio(window, step), at)
    label = format_ms(window_ms) + (f" (scaled 1/{scale:g}: {window})" if scale != 1 else "")
    result = SLOResult(slo.key, slo.service, slo.name, slo.kind, slo.source, slo.objective, label,
                       None if error_ratio is None else 1 - error_ratio, budget_minutes, description=slo.description)
    if error_ratio is not None:
        result.spent_ratio = error_ratio / slo.budget_ratio
        result.spent_minutes = result.spent_ratio * budget_minutes
        result.remaining_ratio = 1 - result.spent_ratio
        result.remaining_minutes = budget_minutes - result.spent_minutes
    for pair in PAIRS:
        long_ratio = _scalar(client, slo.error_ratio(scaled(parse_ms(pair.long)), step), at)
        short_ratio = _scalar(client, slo.error_ratio(scaled(parse_ms(pair.short)), step), at)
        result.burn_rates.append(PairBurn(pair.severity, pair.long, pair.short, pair.factor(window_ms),
                                          None if long_ratio is None else long_ratio / slo.budget_ratio,
                                          None if short_ratio is None else short_ratio / slo.budget_ratio))
    result.series = _series(slo, client, at, max(int(window_ms / scale), 1000), step, points)
    return result


def _series(slo: SLO, client: PrometheusClient, at: float, window_ms: int, slice_step: str, points: int) -> dict:
    """Per step of the window: the SLI within that step, and the budget left after it (each step weighted by
    its share of the window's time)."""
    step_ms = max(window_ms // points, parse_ms(slice_step))
    start = at - window_ms / 1000 + step_ms / 1000
    matrix = client.query_range(f"sum({slo.error_ratio(format_ms(step_ms), slice_step)})", start, at, step_ms / 1000)
    values = [(float(t), float(v)) for t, v in (matrix[0]["values"] if matrix else []) if not math.isnan(float(v))]
    sli, remaining, spent = [], [], 0.0
    for t, ratio in values:
        spent += ratio * (step_ms / window_ms) / slo.budget_ratio
        sli.append((t, 1 - ratio))
        remaining.append((t, 1 - spent))
    return {"sli": sli, "remaining": remaining}
