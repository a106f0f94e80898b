"""A canary alert that fires again and again for as long as the stack runs, so the run measures its own
alerting pipeline (as cortex-tools' e2ealerting does).

Every cycle of `period_seconds` the canary rule is true for the first half: a new alert, labelled with
the cycle's number, that Alertmanager groups on its own (group_by: ['...']) and delivers to the
sinks' webhook. For each cycle: Prometheus' firing evaluation timestamp (ALERTS) and the sink's arrival
time. Their difference minus the canary route's group_wait is what the machine adds to the pipeline
in this run, under this load: the distribution that scenarios' precision checks are judged against.

The canary is monsuite's own instrument: it is added to the rendered configuration of a stack whose
Prometheus, Alertmanager and sinks monsuite starts (the user's files are untouched), its alert is never
counted as a rule of the stack, and it routes only to its own receiver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from monsuite.alerts.timeline import raw_samples
from monsuite.clients.prometheus import PrometheusClient
from monsuite.timescale import format_ms, parse_ms

ALERT = "MonsuiteCanary"
RECEIVER = "monsuite-canary"
CYCLE_LABEL = "monsuite_canary_cycle"
RULE_FILE = "monsuite-canary-rules.yml"


@dataclass(frozen=True)
class CanarySettings:
    period_seconds: int
    evaluation_ms: int
    group_wait_ms: int

    @classmethod
    def for_profile(cls, profile: dict) -> "CanarySettings":
        evaluation = parse_ms(profile["evaluation_interval"])
        group_wait = parse_ms(profile.get("group_wait", "0s"))
        # Long enough that a cycle's alert is delivered well before the next one fires.
        period = max(2, math.ceil(4 * (evaluation + group_wait) / 1000))
        return cls(period, evaluation, group_wait)

    def rule_group(self) -> dict:
        half = self.period_seconds / 2
        return {"groups": [{
            "name": "monsuite-canary",
            "interval": format_ms(self.evaluation_ms),
            "rules": [{
                "alert": ALERT,
                # The cycle's number while in the first half of the cycle, nothing in the second.
                "expr": f"floor(vector(time()) / {self.period_seconds}) unless on() (vector(time()) % {self.period_seconds} >= {half:g})",
                "labels": {CYCLE_LABEL: '{{ $value | printf "%.0f" }}', "monsuite": "canary"},
                "annotations": {"summary": "monsuite pipeline canary (fires every cycle; measures the alerting pipeline)"},
            }],
        }]}


def install(config_dir: Path, settings: CanarySettings, webhook_url: str) -> bool:
    """Add the canary rule and route to the rendered Prometheus and Alertmanager configs.

    Returns False (and changes nothing) when either config is not where a stack keeps it.
    """
    prometheus_yml = _first(config_dir, ("prometheus.yml", "prometheus.yaml"))
    alertmanager_yml = _first(config_dir, ("alertmanager.yml", "alertmanager.yaml"))
    if prometheus_yml is None or alertmanager_yml is None:
        return False
    prometheus = yaml.safe_load(prometheus_yml.read_text()) or {}
    alertmanager = yaml.safe_load(alertmanager_yml.read_text()) or {}
    if not isinstance(alertmanager.get("route"), dict):
        return False
    rules = config_dir / RULE_FILE
    rules.write_text(yaml.safe_dump(settings.rule_group(), sort_keys=False))
    rules.chmod(0o644)
    prometheus["rule_files"] = [*(prometheus.get("rule_files") or []), str(rules)]
    canary_route = {
        "receiver": RECEIVER, "matchers": [f'alertname="{ALERT}"'], "group_by": ["..."],
        "group_wait": format_ms(settings.group_wait_ms), "group_interval": "1h", "repeat_interval": "1h",
        "continue": False,
    }
    route = alertmanager["route"]
    route["routes"] = [canary_route, *(route.get("routes") or [])]
    alertmanager["receivers"] = [*(alertmanager.get("receivers") or []), {
        "name": RECEIVER, "webhook_configs": [{"url": webhook_url, "send_resolved": False}]}]
    prometheus_yml.write_text(yaml.safe_dump(prometheus, sort_keys=False))
    alertmanager_yml.write_text(yaml.safe_dump(alertmanager, sort_keys=False))
    return True


def _first(directory: Path, names: tuple[str, ...]) -> Path | None:
    return next((directory / n for n in names if (directory / n).exists()), None)


@dataclass(frozen=True)
class CanarySample:
    cycle: str
    firing: float  # Prometheus' evaluation timestamp (unix seconds)
    delivered: float  # the sink's arrival time

    def excess_ms(self, group_wait_ms: int) -> float:
        return (self.delivered - self.firing) * 1000 - group_wait_ms


def samples(prometheus: PrometheusClient, deliveries: list[dict], since: float, until: float) -> list[CanarySample]:
    """Each canary cycle that fired in [since, until] and was delivered: its two timestamps."""
    firing: dict[str, float] = {}
    for metric, values in raw_samples(prometheus, f'ALERTS{{alertname="{ALERT}",alertstate="firing"}}', since, until):
        times = [t for t, _ in values if t >= since]
        cycle = metric.get(CYCLE_LABEL)
        if cycle and times:
            firing[cycle] = min(times[0], firing.get(cycle, math.inf))
    arrived: dict[str, float] = {}
    for delivery in deliveries:
        body = delivery.get("body")
        if delivery.get("receiver") != RECEIVER or not isinstance(body, dict):
            continue
        for alert in body.get("alerts", []):
            cycle = alert.get("labels", {}).get(CYCLE_LABEL)
            if cycle and alert.get("status") == "firing":
                arrived[cycle] = min(delivery["arrived_at"], arrived.get(cycle, math.inf))
    return sorted((CanarySample(c, firing[c], arrived[c]) for c in firing if c in arrived), key=lambda s: s.firing)
