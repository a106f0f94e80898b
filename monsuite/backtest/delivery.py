"""A backtest's firings through an Alertmanager config: the notifications per receiver, and the difference a
rule change makes to them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.backtest.notify import AlertHistory, Dispatch, InhibitRule, Notification
from monsuite.backtest.routes import Route, destinations, integrations_of, routes_of
from monsuite.backtest.silences import Silence
from monsuite.backtest.timeintervals import NamedIntervals
from monsuite.backtest.run import Backtest
from monsuite.routing.config import load_config


@dataclass
class Delivered:
    receivers: list[str]  # every receiver of the config, in its order
    notifications: list[Notification]
    inhibited: int  # alert label sets some inhibition left out of a notification
    muted_by_time: int  # flushes that sent nothing: their route's time intervals muted it
    silenced: int = 0  # alert label sets a silence left out of a notification

    def per_receiver(self) -> dict[str, Counter]:
        counts = {name: Counter({"notifications": 0, "firing": 0, "resolved only": 0}) for name in self.receivers}
        for sent in self.notifications:
            counts[sent.receiver]["notifications"] += 1
            counts[sent.receiver]["firing" if sent.firing else "resolved only"] += 1
        return counts

    def lines(self) -> list[str]:
        made = []
        for receiver, counts in self.per_receiver().items():
            made.append(f"{receiver}: {counts['notifications']} notifications"
                        + (f" ({counts['firing']} with firing alerts, {counts['resolved only']} resolved only)"
                           if counts["notifications"] else ""))
        if self.inhibited:
            made.append(f"{self.inhibited} alerts were muted by an inhibition rule at some notification")
        if self.silenced:
            made.append(f"{self.silenced} alerts were silenced at some notification")
        if self.muted_by_time:
            made.append(f"{self.muted_by_time} notifications were not sent: a time interval muted their route then")
        return made


def histories(backtest: Backtest) -> list[AlertHistory]:
    """Per alert label set (the labels Prometheus sends), its firing intervals."""
    found: dict[tuple, AlertHistory] = {}
    for result in backtest.results:
        for firing in result.firings:
            labels = {k: v for k, v in result.alert_labels(firing).items() if v != ""}  # as Prometheus drops them
            history = found.setdefault(tuple(sorted(labels.items())), AlertHistory(labels, []))
            history.intervals.append((firing.fired_at, firing.resolved_at))
    for history in found.values():
        history.intervals.sort(key=lambda i: i[0])
    return list(found.values())


@dataclass
class AlertmanagerPlan:
    """An Alertmanager config read and checked before anything is asked of Prometheus."""
    source: Path
    config: dict
    routes: dict[str, Route]
    intervals: NamedIntervals
    silences: list[Silence] = field(default_factory=list)  # Alertmanager's state, given beside its config

    @classmethod
    def read(cls, source: Path) -> "AlertmanagerPlan":
        config = load_config(source)
        routes = routes_of(config, source)
        intervals = NamedIntervals.of(config, source)
        destinations(config, source, [])  # a matcher Alertmanager refuses is said now, before any query
        return cls(Path(source), config, routes, intervals)


def route(plan: AlertmanagerPlan, alerts: list[AlertHistory], *, binary: str | None = None) -> dict:
    """Where Alertmanager sends each of these alerts (one Alertmanager for all of them)."""
    label_sets = {tuple(sorted(a.labels.items())): a.labels for a in alerts}
    return destinations(plan.config, plan.source, list(label_sets.values()), binary=binary) if label_sets else {}


def deliver(backtest: Backtest, plan: AlertmanagerPlan, *, binary: str | None = None, where: dict | None = None
            ) -> Delivered:
    """``where``: the routes of its alerts, when route() already asked (for a baseline beside it)."""
    alerts = histories(backtest)
    if where is None:
        where = route(plan, alerts, binary=binary)
    dispatch = dispatch_histories(alerts, backtest.end, plan, where)
    return Delivered([r["name"] for r in plan.config["receivers"]], dispatch.notifications, len(dispatch.inhibited),
                     dispatch.muted_by_time, len(dispatch.silenced))


def dispatch_histories(alerts: list[AlertHistory], end: float, plan: AlertmanagerPlan, where: dict, *,
                       send_s: float = 0.0) -> Dispatch:
    """The alerts through the config's routes (``where``: route()'s answer for them) until ``end``."""
    rules = [InhibitRule(tuple(rule.get("equal") or ())) for rule in plan.config.get("inhibit_rules") or []]
    dispatch = Dispatch(plan.routes, integrations_of(plan.config), rules, where, plan.intervals, send_s=send_s,
                        silences=plan.silences)
    dispatch.run(alerts, end)
    return dispatch


def compare_delivered(now: Delivered, before: Delivered) -> list[str]:
    """"pagerduty: +14 notifications (3 -> 17)", per receiver that changed; then how many did not."""
    was = before.per_receiver()
    lines, unchanged = [], 0
    for receiver, counts in now.per_receiver().items():
        old, new = was.get(receiver, Counter())["notifications"], counts["notifications"]
        if new != old:
            lines.append(f"{receiver}: {new - old:+d} notifications ({old} -> {new})")
        else:
            unchanged += 1
    return lines + ([f"{unchanged} receivers unchanged"] if unchanged else [])
