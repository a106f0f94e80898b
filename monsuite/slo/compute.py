"""An SLO's numbers over a window, read from Prometheus: SLI, error budget (total, spent, remaining, as a
ratio and in minutes), burn rate per alert window pair, verdict; and the SLI and remaining budget over
time for the plots.

Burn-rate factors come from the SLO's own period, whatever window a report evaluates. Excluded intervals
(a run's planned faults, maintenance windows) are kept out of the SLI and the budget: the SLI is then the
mean of the window's slices that no excluded interval touches, and what the touched slices would have
spent is reported apart. A pair whose windows touch an excluded interval, reach before the data starts
or beyond the evaluated window is marked so, and a pair touching an excluded interval does not alert."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from monsuite.clients.prometheus import PrometheusClient
from monsuite.slo.burn import PAIRS
from monsuite.slo.conformance import RunMeasurements
from monsuite.slo.exclusions import Exclusion, lookback_seconds, summary
from monsuite.slo.numbers import number
from monsuite.slo.spec import SLO
from monsuite.timescale import TimeScaleError, format_ms, parse_ms, scale_expression

POINTS = 60  # samples of the SLI and budget time series over the window


@dataclass
class PairBurn:
    severity: str
    long: str
    short: str
    factor: float
    long_burn: float | None
    short_burn: float | None
    notes: list[str] = field(default_factory=list)  # why these burn rates are not the whole story
    excluded: bool = False  # its windows touch an excluded interval: shown, never alerting

    @property
    def over_factor(self) -> bool:
        return (self.long_burn is not None and self.short_burn is not None
                and self.long_burn > self.factor and self.short_burn > self.factor)

    @property
    def alerting(self) -> bool:
        return self.over_factor and not self.excluded


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
    period: str = ""  # the SLO's own period, which the burn-rate factors assume
    excluded: dict = field(default_factory=dict)  # intervals kept out, slices touched, what they would have spent
    notes: list[str] = field(default_factory=list)  # what a reader needs to square the sections

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

    def explain(self) -> None:
        """Say, in the result, why a met SLO with its whole budget left may show burn rates over a factor."""
        if self.verdict != "met" or (self.remaining_ratio or 0) < 1:
            return
        busy = [p for p in self.burn_rates if p.over_factor]
        if busy and not any(n.startswith("burn rates over a factor") for n in self.notes):
            self.notes.append("burn rates over a factor with no budget spent in the evaluated window: their windows "
                              "reach outside it (" + "; ".join(f"{p.long}/{p.short}: {', '.join(p.notes) or 'see pair'}"
                                                               for p in busy) + ")")


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
                 scale: float = 1, measured: RunMeasurements | None = None,
                 exclusions: list[Exclusion] | tuple = ()) -> list[SLOResult]:
    return [evaluate_conformance(slo, measured) if slo.kind == "conformance" else
            evaluate(slo, client, at=at, window_ms=window_ms, scale=scale, exclusions=exclusions) for slo in slos]


def _scalar(client: PrometheusClient, expr: str, at: float) -> float | None:
    result = client.query_at(f"sum({expr})", at)
    if not result:
        return None
    value = float(result[0]["value"][1])
    return None if math.isnan(value) or math.isinf(value) else value


def evaluate(slo: SLO, client: PrometheusClient, *, at: float, window_ms: int | None = None, scale: float = 1,
             points: int = POINTS, exclusions: list[Exclusion] | tuple = ()) -> SLOResult:
    """`scale`: a time-compressed profile's factor; every window and slice is divided by it (the budget in
    minutes stays that of the real window: what this run's ratio would spend of it)."""
    window_ms = window_ms or slo.window_ms
    scaled_ms = lambda ms: max(int(ms / scale), 1000)  # noqa: E731
    scaled = lambda ms: format_ms(scaled_ms(ms))  # noqa: E731
    window = scaled(window_ms)
    step = scaled(slo.time_slice_ms)
    budget_minutes = slo.budget_ratio * window_ms / 60_000
    label = format_ms(window_ms) + (f" (scaled 1/{scale:g}: {window})" if scale != 1 else "")
    result = SLOResult(slo.key, slo.service, slo.name, slo.kind, slo.source, slo.objective, label, None, budget_minutes,
                       description=slo.description, period=format_ms(slo.window_ms))
    # whole seconds: a compressed expression is printed with whole-second ranges (promql-parser)
    slice_ms = max(-(-scaled_ms(window_ms) // points // 1000) * 1000, parse_ms(step))
    ratio = lambda wall_ms: _ratio_expr(slo, wall_ms, scale)  # noqa: E731
    slices = _slices(ratio, client, at, scaled_ms(window_ms), slice_ms)
    reach = lookback_seconds(ratio(slice_ms))
    touching = [e for e in exclusions if e.overlaps(at - scaled_ms(window_ms) / 1000 - reach, at)]
    if touching:
        error_ratio = _error_ratio_excluding(result, slices, slice_ms, touching, scale)
    else:
        error_ratio = _scalar(client, ratio(scaled_ms(window_ms)), at)
    if error_ratio is not None:
        result.sli = 1 - error_ratio
        result.spent_ratio = error_ratio / slo.budget_ratio
        result.spent_minutes = result.spent_ratio * budget_minutes
        result.remaining_ratio = 1 - result.spent_ratio
        result.remaining_minutes = budget_minutes - result.spent_minutes
    data_start = _data_start(ratio, client, at, scaled_ms(parse_ms(PAIRS[-1].long)), parse_ms(step))
    for pair in PAIRS:
        long_ms, short_ms = scaled_ms(parse_ms(pair.long)), scaled_ms(parse_ms(pair.short))
        long_ratio = _scalar(client, ratio(long_ms), at)
        short_ratio = _scalar(client, ratio(short_ms), at)
        burn = PairBurn(pair.severity, pair.long, pair.short, pair.factor(slo.window_ms),
                        None if long_ratio is None else long_ratio / slo.budget_ratio,
                        None if short_ratio is None else short_ratio / slo.budget_ratio)
        reads_from = at - long_ms / 1000 - lookback_seconds(ratio(1000)) + 1
        if long_ms > scaled_ms(window_ms):
            burn.notes.append(f"longer than the evaluated window ({window})")
        if data_start is None or reads_from < data_start:
            burn.notes.append("reaches before the data starts")
        hit = [e for e in exclusions if e.overlaps(reads_from, at)]
        if hit:
            burn.excluded = True
            burn.notes.append(f"reads excluded time ({summary(hit)}): not alerting")
        result.burn_rates.append(burn)
    result.series = _series(slices, scaled_ms(window_ms), slice_ms, slo.budget_ratio, touching)
    result.explain()
    return result


def _ratio_expr(slo: SLO, wall_ms: int, scale: float) -> str:
    """The error ratio over ``wall_ms`` of this run's time: in a time-compressed profile every range of the
    expression is divided by the scale, the SLI's own fixed ones too (a p95 over [5m] reads [5s])."""
    if scale == 1:
        return slo.error_ratio(format_ms(wall_ms), format_ms(slo.time_slice_ms))
    wall_ms = max(1000, round(wall_ms / 1000) * 1000)
    text = slo.error_ratio(format_ms(int(wall_ms * scale)), format_ms(slo.time_slice_ms))
    try:
        return scale_expression(text, scale)
    except TimeScaleError:  # an expression the AST round trip cannot keep: its window alone is scaled
        return slo.error_ratio(format_ms(wall_ms), format_ms(max(int(slo.time_slice_ms / scale), 1000)))


def _slices(ratio, client: PrometheusClient, at: float, window_ms: int, slice_ms: int) -> list[tuple]:
    """(time, error ratio within the slice, touched: the span it reads back to) for each slice of the window."""
    expr = ratio(slice_ms)
    reach = lookback_seconds(expr)
    matrix = client.query_range(f"sum({expr})", at - window_ms / 1000 + slice_ms / 1000, at, slice_ms / 1000)
    return [(float(t), float(v), float(t) - reach) for t, v in (matrix[0]["values"] if matrix else [])
            if not math.isnan(float(v)) and not math.isinf(float(v))]


def _error_ratio_excluding(result: SLOResult, slices: list[tuple], slice_ms: int, exclusions: list[Exclusion],
                           scale: float) -> float | None:
    """The window's error ratio from its slices that no excluded interval touches; the touched ones' cost
    (in minutes of the real budget) goes to ``result.excluded``."""
    kept = [ratio for t, ratio, since in slices if not any(e.overlaps(since, t) for e in exclusions)]
    touched = [ratio for t, ratio, since in slices if any(e.overlaps(since, t) for e in exclusions)]
    cost = sum(touched) * slice_ms * scale / 60_000
    result.excluded = {"intervals": [e.to_dict() for e in exclusions], "slices_excluded": len(touched),
                       "slices_kept": len(kept), "slice": format_ms(slice_ms), "excluded_budget_minutes": cost}
    if slices:
        result.notes.append(f"{len(touched)} of {len(slices)} slices of {format_ms(slice_ms)} read excluded time "
                            f"({summary(exclusions)}) and are left out; they would have spent {number(cost)} min of budget")
    if slices and not kept:
        result.notes.append("every slice of the window reads data of an excluded interval: nothing outside them "
                            "is left to judge")
    return sum(kept) / len(kept) if kept else None


def _data_start(ratio, client: PrometheusClient, at: float, span_ms: int, step_ms: int) -> float | None:
    """About when the SLI's data begins within the last ``span_ms`` (None: no data at all)."""
    points = 120
    slice_ms = max(span_ms // points, step_ms, 1000)
    matrix = client.query_range(f"sum({ratio(slice_ms)})", at - span_ms / 1000, at, slice_ms / 1000)
    times = [float(t) for t, v in (matrix[0]["values"] if matrix else []) if not math.isnan(float(v))]
    return times[0] - slice_ms / 1000 if times else None


def _series(slices: list[tuple], window_ms: int, slice_ms: int, budget_ratio: float, exclusions: list[Exclusion]) -> dict:
    """Per slice of the window: the SLI within it, and the budget left after it (each slice weighted by its
    share of the window's time); slices an excluded interval touches are left out, as in the SLI."""
    kept = [(t, ratio) for t, ratio, since in slices if not any(e.overlaps(since, t) for e in exclusions)]
    # excluded time leaves the window: the kept slices share it (as they share the SLI)
    weight = 1 / len(kept) if exclusions and kept else slice_ms / window_ms
    sli, remaining, spent = [], [], 0.0
    for t, ratio in kept:
        spent += ratio * weight / budget_ratio
        sli.append((t, 1 - ratio))
        remaining.append((t, 1 - spent))
    return {"sli": sli, "remaining": remaining}
