"""A canary alert that fires again and again for as long as the stack runs, so the run measures its own
alerting pipeline (as cortex-tools' e2ealerting does).

Every cycle of `period_seconds` the canary rule is true for the first half: LANES new alerts, labelled
with the cycle's number and their lane, each of which Alertmanager groups on its own (group_by: ['...'])
and delivers through every
channel the sinks speak (webhook, Slack, PagerDuty, Discord and, where the sinks have SMTP, email),
as a scenario's alert with several receivers is. For each cycle: Prometheus' firing evaluation
timestamp (ALERTS) and the last channel's arrival time at the sinks. Their difference minus the canary
route's group_wait is what the machine adds to the pipeline in this run, under this load: the
distribution that scenarios' precision checks are judged against.

The canary is monsuite's own instrument: it is added to the rendered configuration of a stack whose
Prometheus, Alertmanager and sinks monsuite starts (the user's files are untouched), its alert is never
counted as a rule of the stack, and it routes only to its own receiver.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from monsuite.alerts.timeline import alertmanager_received_at, raw_samples
from monsuite.clients.prometheus import PrometheusClient
from monsuite.sinks.payloads import notification_status
from monsuite.timescale import format_ms, parse_ms

ALERT = "MonsuiteCanary"
RECEIVER = "monsuite-canary"
CYCLE_LABEL = "monsuite_canary_cycle"
LANE_LABEL = "monsuite_canary_lane"
# Each cycle fires this many alerts at once, each its own group: more samples per cycle, taken while
# Alertmanager and the sinks handle several notifications together (as concurrent scenarios make them).
LANES = 3
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
        # Each cycle's resolved alert is re-sent by Prometheus for 15 minutes: a longer cycle keeps that small.
        period = max(4, math.ceil(4 * (evaluation + group_wait) / 1000))
        return cls(period, evaluation, group_wait)

    def rule_group(self) -> dict:
        half = self.period_seconds / 2
        return {"groups": [{
            "name": "monsuite-canary",
            "interval": format_ms(self.evaluation_ms),
            "rules": [{
                "alert": ALERT,
                # The cycle's number while in the first half of the cycle, nothing in the second; once per lane.
                "expr": " or ".join(
                    f'label_replace(floor(vector(time()) / {self.period_seconds}) unless on() '
                    f'(vector(time()) % {self.period_seconds} >= {half:g}), "{LANE_LABEL}", "lane-{lane}", "", "")'
                    for lane in range(1, LANES + 1)),
                "labels": {CYCLE_LABEL: '{{ $value | printf "%.0f" }}', "monsuite": "canary"},
                "annotations": {"summary": "monsuite pipeline canary (fires every cycle; measures the alerting pipeline)"},
            }],
        }]}


def receiver(http_url: str, smtp_port: int | None) -> dict:
    """One receiver with an integration per channel of the sinks (nothing leaves 127.0.0.1)."""
    base = f"{http_url.rstrip('/')}"
    body = {
        "name": RECEIVER,
        "webhook_configs": [{"url": f"{base}/webhook/{RECEIVER}", "send_resolved": False}],
        "slack_configs": [{"api_url": f"{base}/slack/{RECEIVER}", "channel": "#monsuite-canary", "send_resolved": False}],
        "pagerduty_configs": [{"url": f"{base}/pagerduty/{RECEIVER}/v2/enqueue", "routing_key": "monsuite-canary",
                               "send_resolved": False}],
        "discord_configs": [{"webhook_url": f"{base}/discord/{RECEIVER}", "send_resolved": False}],
    }
    if smtp_port:
        body["email_configs"] = [{"to": f"{RECEIVER}@monsuite.test", "from": "monsuite@monsuite.test",
                                  "smarthost": f"127.0.0.1:{smtp_port}", "require_tls": False, "send_resolved": False}]
    return body


def install(config_dir: Path, settings: CanarySettings, sink_http_url: str, smtp_port: int | None = None) -> bool:
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
    alertmanager["receivers"] = [*(alertmanager.get("receivers") or []), receiver(sink_http_url, smtp_port)]
    prometheus_yml.write_text(yaml.safe_dump(prometheus, sort_keys=False))
    alertmanager_yml.write_text(yaml.safe_dump(alertmanager, sort_keys=False))
    return True


def _first(directory: Path, names: tuple[str, ...]) -> Path | None:
    return next((directory / n for n in names if (directory / n).exists()), None)


@dataclass(frozen=True)
class CanarySample:
    cycle: str  # "<cycle number>/lane-<n>"
    firing: float  # Prometheus' evaluation timestamp (unix seconds)
    delivered: float  # the sink's arrival time (the last channel's)
    received: float | None = None  # Alertmanager's receipt (its debug log), where it logs it

    def excess_ms(self, group_wait_ms: int) -> float:
        """firing -> delivered beyond group_wait: Prometheus' notifier, Alertmanager and the receivers."""
        return (self.delivered - self.firing) * 1000 - group_wait_ms

    def alertmanager_excess_ms(self, group_wait_ms: int) -> float | None:
        """Alertmanager's receipt -> delivered beyond group_wait: the part group_wait governs."""
        return None if self.received is None else (self.delivered - self.received) * 1000 - group_wait_ms

    @property
    def to_alertmanager_ms(self) -> float | None:
        return None if self.received is None else (self.received - self.firing) * 1000


def samples(prometheus: PrometheusClient, deliveries: list[dict], since: float, until: float,
            alertmanager_log: str = "") -> list[CanarySample]:
    """Each canary cycle that fired in [since, until] and reached every channel: firing, Alertmanager's
    receipt (from its debug log, when given) and the last arrival."""
    firing: dict[str, float] = {}
    for metric, values in raw_samples(prometheus, f'ALERTS{{alertname="{ALERT}",alertstate="firing"}}', since, until):
        times = [t for t, _ in values if t >= since]
        if metric.get(CYCLE_LABEL) and times:
            cycle = _sample_id(metric)
            firing[cycle] = min(times[0], firing.get(cycle, math.inf))
    arrivals: dict[str, dict[str, float]] = {}  # cycle -> channel -> first arrival
    channels = set()
    for delivery in deliveries:
        if delivery.get("receiver") != RECEIVER:
            continue
        channels.add(delivery.get("channel"))
        for cycle in _cycles_in(delivery, firing):
            seen = arrivals.setdefault(cycle, {})
            seen[delivery["channel"]] = min(delivery["arrived_at"], seen.get(delivery["channel"], math.inf))
    complete = [c for c in firing if c in arrivals and set(arrivals[c]) == channels]
    return sorted((CanarySample(c, firing[c], max(arrivals[c].values()),
                                alertmanager_received_at(alertmanager_log, ALERT, firing[c]) if alertmanager_log else None)
                   for c in complete), key=lambda s: s.firing)


def _sample_id(labels: dict) -> str:
    return f"{labels.get(CYCLE_LABEL)}/{labels.get(LANE_LABEL, 'lane-1')}"


def _cycles_in(delivery: dict, known: dict[str, float]) -> list[str]:
    """The firing cycle/lane a notification is about: the webhook's alert labels; elsewhere the rendered
    text, which carries the group's labels (the cycle's number and the lane among them)."""
    body = delivery.get("body")
    if delivery.get("channel") == "webhook" and isinstance(body, dict):
        return [_sample_id(a["labels"]) for a in body.get("alerts", [])
                if a.get("status") == "firing" and CYCLE_LABEL in a.get("labels", {})]
    if notification_status(delivery) != "firing":
        return []
    text = json.dumps(body)
    lanes = set(re.findall(r"lane-\d+", text))
    return [f"{cycle}/{lane}" for cycle in set(re.findall(r"\d{4,}", text)) for lane in lanes if f"{cycle}/{lane}" in known]
