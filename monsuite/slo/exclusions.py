"""Intervals kept out of an SLO's accounting: the run's own injected faults (planned) and the user's
maintenance windows (`slo report --exclude FROM..TO`).

An SLI value measured at time t reads the samples of (t - lookback, t], where the lookback is the longest
range (with offsets and subqueries) its expression reads: a value is touched by an interval when that
span overlaps it. The lookback is read from the PromQL AST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import promql_parser

from monsuite.userio.times import parse_time_range


@dataclass(frozen=True)
class Exclusion:
    start: float  # unix seconds
    end: float
    reason: str  # "planned fault: <scenario>" or "maintenance window"

    def overlaps(self, start: float, end: float) -> bool:
        return self.start < end and start < self.end

    def to_dict(self) -> dict:
        return {"start": _iso(self.start), "end": _iso(self.end), "reason": self.reason}


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, tz=timezone.utc).isoformat(timespec="seconds")


def summary(exclusions) -> str:
    """What a list of intervals is, counted by kind: '20 planned faults', '1 maintenance window and 3 planned faults'."""
    kinds: dict[str, int] = {}
    for exclusion in exclusions:
        kind = exclusion.reason.split(":")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return " and ".join(f"{count} {kind}{'s' if count > 1 else ''}" for kind, count in sorted(kinds.items()))


def parse_exclusion(text: str, flag: str = "--exclude") -> Exclusion:
    """`FROM..TO`, each an ISO 8601 time (UTC unless it says otherwise) or a unix time in seconds."""
    return Exclusion(*parse_time_range(text, flag), "maintenance window")


def planned_faults(campaign: dict | None) -> list[Exclusion]:
    """Each scenario's fault, from injection until it was cleared and its alert's resolution delivered (a
    restarted component may still answer errors after the clear); to the campaign's end when never cleared."""
    if not campaign:
        return []
    scenarios = [s for s in campaign.get("scenarios", []) if isinstance(s, dict)]
    times = [_numbers(s.get("times")) for s in scenarios]
    last = max((t for each in times for t in each.values()), default=None)
    found = []
    for scenario, each in zip(scenarios, times):
        start = each.get("fault")
        raw = scenario.get("times")
        resolved = _numbers(raw.get("resolved") if isinstance(raw, dict) else None)
        ends = [t for t in (each.get("cleared", last), *resolved.values()) if t is not None]
        if start is not None and ends and max(ends) > start:
            found.append(Exclusion(float(start), float(max(ends)), f"planned fault: {scenario.get('scenario', '?')}"))
    return found


def _numbers(mapping) -> dict:
    """The numeric values of a mapping read from a report (anything else: empty)."""
    return {k: v for k, v in mapping.items() if isinstance(v, (int, float))} if isinstance(mapping, dict) else {}


def lookback_seconds(expr: str) -> float:
    """The longest span before an evaluation time that ``expr`` reads (ranges, offsets, subqueries)."""
    return _lookback(promql_parser.parse(expr))


def _lookback(node) -> float:
    seconds = lambda delta: delta.total_seconds() if isinstance(delta, timedelta) else 0.0  # noqa: E731
    if isinstance(node, promql_parser.MatrixSelector):
        return seconds(node.range) + max(0.0, seconds(node.vector_selector.offset))
    if isinstance(node, promql_parser.VectorSelector):
        return max(0.0, seconds(node.offset))
    if isinstance(node, promql_parser.SubqueryExpr):
        return seconds(node.range) + max(0.0, seconds(node.offset)) + _lookback(node.expr)
    children = []
    for name in ("expr", "lhs", "rhs", "param"):
        child = getattr(node, name, None)
        if isinstance(child, promql_parser.Expr):
            children.append(child)
    children += [a for a in getattr(node, "args", None) or [] if isinstance(a, promql_parser.Expr)]
    return max((_lookback(child) for child in children), default=0.0)
