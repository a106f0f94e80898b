"""What a running Prometheus evaluates: its alerting rules as it loaded them, and the moment within each
interval at which each of its rule groups is evaluated (Prometheus spreads its groups over the interval), so
a backtest evaluates at the very timestamps the rule manager did."""

from __future__ import annotations

from datetime import datetime

from monsuite.clients.http import ServiceError
from monsuite.clients.prometheus import PrometheusClient
from monsuite.rules.model import Rule

NEVER = "0001-01-01"  # lastEvaluation of a group not evaluated yet


def running_alert_rules(client: PrometheusClient) -> list[Rule]:
    return [Rule(group["file"], group["name"], int(round(float(group["interval"]) * 1000)), rule["query"],
                 alert=rule["name"], for_ms=int(round(float(rule.get("duration") or 0) * 1000)),
                 labels=dict(rule.get("labels") or {}), annotations=dict(rule.get("annotations") or {}),
                 keep_firing_for_ms=int(round(float(rule.get("keepFiringFor") or 0) * 1000)))
            for group in client.rule_groups() for rule in group["rules"] if rule.get("type") == "alerting"]


def evaluation_phases(client: PrometheusClient) -> dict[tuple[str, float], float]:
    """Per (group name, interval in seconds), the offset of its evaluations from the interval's grid, to the
    millisecond, from the group's last evaluation; groups whose name and interval meet twice with different
    offsets are left out (which one a rule file means is not known)."""
    found: dict[tuple[str, float], set[float]] = {}
    try:
        groups = client.rule_groups()
    except ServiceError:  # a store that answers queries but runs no rules
        return {}
    for group in groups:
        last = str(group.get("lastEvaluation") or "")
        interval = float(group.get("interval") or 0)
        if not last or last.startswith(NEVER) or interval <= 0:
            continue
        at = datetime.fromisoformat(last).timestamp()  # Go's nanoseconds: truncated to microseconds
        found.setdefault((group["name"], interval), set()).add(round((at % interval) * 1000) / 1000 % interval)
    return {key: phases.pop() for key, phases in found.items() if len(phases) == 1}

