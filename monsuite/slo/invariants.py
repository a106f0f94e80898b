"""What an SLO report must never say at once, checked on its report.json: the sections agree.

- a window pair alerting has error events in both its windows (burn > 0 in each) and touches no excluded interval;
- an SLO met with its whole budget left shows no burn rate over a factor without a note explaining it;
- the factors are the SRE Workbook's for the SLO's period (14.4 / 6 / 3 / 1 for 30 days);
- the budget spent and left add up to the budget, and the SLI agrees with the budget spent.
"""

from __future__ import annotations

from monsuite.slo.burn import PAIRS
from monsuite.timescale import parse_ms

TOLERANCE = 1e-6


def report_problems(report: dict) -> list[str]:
    problems = []
    for slo in report.get("slos", []):
        problems += [f"{slo.get('key')}: {p}" for p in _slo_problems(slo)]
    return problems


def _slo_problems(slo: dict) -> list[str]:
    problems = []
    pairs = slo.get("burn_rates") or []
    for pair in pairs:
        name = f"{pair['long']}/{pair['short']}"
        if pair["alerting"]:
            if not (pair["long_burn"] or 0) > 0 or not (pair["short_burn"] or 0) > 0:
                problems.append(f"pair {name} alerts without error events in both its windows")
            if pair.get("excluded"):
                problems.append(f"pair {name} alerts though it touches an excluded interval")
    over = [p for p in pairs if p["long_burn"] is not None and p["short_burn"] is not None
            and p["long_burn"] > p["factor"] and p["short_burn"] > p["factor"]]
    if slo.get("verdict") == "met" and (slo.get("remaining_ratio") or 0) >= 1 and over and not slo.get("notes"):
        problems.append("met with 100 % of the budget left, yet burn rates over a factor, and no note says why")
    if pairs and slo.get("period"):
        period_ms = parse_ms(slo["period"])
        for pair, expected in zip(pairs, PAIRS):
            want = expected.factor(period_ms)
            if abs(pair["factor"] - want) > TOLERANCE:
                problems.append(f"pair {pair['long']}/{pair['short']}: factor {pair['factor']} is not the Workbook's "
                                f"{want} for a period of {slo['period']}")
    if slo.get("spent_minutes") is not None and slo.get("remaining_minutes") is not None:
        if abs(slo["spent_minutes"] + slo["remaining_minutes"] - slo["budget_minutes"]) > 1e-6 * max(1, slo["budget_minutes"]):
            problems.append("budget spent and left do not add up to the budget")
    if slo.get("sli") is not None and slo.get("spent_ratio") is not None and slo.get("kind") != "conformance":
        budget = 1 - slo["objective"]
        if abs((1 - slo["sli"]) - slo["spent_ratio"] * budget) > 1e-9:
            problems.append("the SLI and the budget spent disagree")
    return problems
