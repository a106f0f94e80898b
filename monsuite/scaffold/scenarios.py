"""Starting scenarios for a user's alert rules: each pushes (through the Pushgateway) the series that
make its rule's expression hold (scaffold.solve), and expects the rule's labels, its annotations that
have no template, and the receivers Alertmanager routes it to."""

from __future__ import annotations

from typing import Callable

from monsuite.alerts.faults import PUSH_JOB
from monsuite.rules.model import Rule
from monsuite.generate.live import scenario_name, static_values
from monsuite.scaffold.solve import Unsupported, solve

__all__ = ["Unsupported", "scenario_name", "starting_scenario", "static_values"]


def starting_scenario(rule: Rule, receivers_for: Callable[[dict], list[str]], budget: str,
                      external_labels: dict | None = None, time_scale: float = 1.0, others: list[Rule] = ()) -> dict:
    """The scenario for one alert rule; raises Unsupported with the reason. ``others``: the stack's other
    alert rules, which its fault should leave quiet."""
    others = [o for o in others if o.alert != rule.alert]
    solution = solve(rule.expr, time_scale, [o.expr for o in others])
    name = scenario_name(rule.alert)
    pushed_labels = solution.series[0].get("labels", {})
    alert_labels = {**(external_labels or {}), **pushed_labels, "job": PUSH_JOB, "instance": f"scenario-{name}",
                    **rule.labels, "alertname": rule.alert}
    described = ", ".join(f"{s['name']} {format(s['rate'], '+g') + '/s' if 'rate' in s else '= ' + format(s['value'], 'g')}"
                          for s in solution.series)
    if solution.collateral:
        described += " (also fires " + ", ".join(others[i].alert for i in solution.collateral) + ")"
    scenario = {
        "name": name,
        "alert": rule.alert,
        "description": f"pushed: {described}",
        "fault": {"push": {"series": solution.series}},
        "needs": ["pushgateway"],
        # an aggregation over a pushed metric sees every scenario's series of it: one scenario at a time per metric
        "uses": [f"series.{s['name']}" for s in solution.series],
        "labels": static_values(rule.labels),
        "annotations": static_values(rule.annotations),
        "receivers": receivers_for(alert_labels),
        "ramp": f"{solution.ramp_ms // 1000}s" if solution.ramp_ms else None,
        "budget": budget,
        "keeps_instance": None if solution.keeps_instance else False,
    }
    return {k: v for k, v in scenario.items() if v not in ({}, None)}
