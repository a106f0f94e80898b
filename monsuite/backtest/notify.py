"""The notifications backtested alerts would have produced: Alertmanager's dispatcher and notification
pipeline replayed over their firing intervals.

As Alertmanager does it:
- an alert reaches every route it matches; per route, alerts with the same values of the route's group_by
  labels form one group, created when the first of them arrives (when it fires: Prometheus sends an alert
  once it fires);
- a group is flushed group_wait after it was created, then every group_interval; at a flush its alerts are
  firing or resolved, and those an inhibition rule mutes at that moment are left out (a firing source with
  the `equal` labels equal; an alert on both sides is not muted by another on both sides);
- per integration (one `*_configs` entry of the receiver) the notification log decides: the first
  notification needs a firing alert; then one goes out when an alert fires that the last one did not have,
  when all have resolved after one was told firing, when resolved alerts are new and the integration sends
  resolved ones, or when repeat_interval has passed since the last (strictly: a repeat_interval that is a
  multiple of group_interval waits one tick more, as in Alertmanager);
  an integration that does not send resolved alerts sends nothing when only resolved ones are left;
- after a flush the resolved alerts leave the group; a group left empty ends (Alertmanager removes it at
  its next maintenance, within 30 s, which moves the next notification's time, not the count).
- a flush at a moment a route's mute_time_intervals hold, or none of its active_time_intervals does, sends
  nothing and leaves the notification log as it was.
- silences (given: they live in Alertmanager's state, not in its config) leave the alerts they match out of
  every flush while they are active, firing or resolved, as inhibition does; a silenced alert still inhibits.

`send_s`: Alertmanager logs a notification once it is sent and times the next repeat from that log entry,
so a repeat falls due `send_s` later than the tick that sent the last one (a negative value stands for
ticks that ran late by as much). Zero by default: the config's own timing.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from monsuite.backtest.routes import Destination, Integration, Route
from monsuite.backtest.silences import Silence
from monsuite.backtest.timeintervals import NamedIntervals

Key = tuple  # sorted (name, value) label pairs


@dataclass
class AlertHistory:
    labels: dict
    intervals: list[tuple[float, float | None]]  # (fired_at, resolved_at or None: still firing), sorted

    def firing_at(self, t: float) -> bool:
        index = bisect.bisect_right(self.intervals, t, key=lambda interval: interval[0]) - 1
        return index >= 0 and (self.intervals[index][1] is None or self.intervals[index][1] > t)

    def times(self) -> list[float]:
        return [t for interval in self.intervals for t in interval if t is not None]


@dataclass(frozen=True)
class Notification:
    at: float
    receiver: str
    route: str
    group: Key
    firing: int
    resolved: int
    integrations: tuple[str, ...]  # the integrations that sent it


@dataclass
class InhibitRule:
    equal: tuple[str, ...]


@dataclass
class _LogEntry:
    firing: frozenset
    resolved: frozenset
    at: float


@dataclass
class Dispatch:
    routes: dict[str, Route]
    integrations: dict[str, list[Integration]]
    inhibit_rules: list[InhibitRule]
    destinations: dict[Key, Destination]
    intervals: NamedIntervals = field(default_factory=lambda: NamedIntervals({}))
    notifications: list[Notification] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    inhibited: set = field(default_factory=set)  # label sets left out of some flush by an inhibition
    silenced: set = field(default_factory=set)  # label sets left out of some flush by a silence
    muted_by_time: int = 0  # flushes that sent nothing: their route's time intervals muted it
    send_s: float = 0.0  # how long after its tick a notification is logged (see the module's docstring)

    def run(self, alerts: list[AlertHistory], end: float) -> list[Notification]:
        by_key = {tuple(sorted(a.labels.items())): a for a in alerts}
        self._sources = self._sources_by_rule(by_key)
        buckets: dict[tuple[str, Key], list[Key]] = {}
        for key, history in by_key.items():
            for path in self.destinations[key].routes:
                group = self.routes[path].group_key(history.labels)
                buckets.setdefault((path, group), []).append(key)
        for (path, group), members in sorted(buckets.items()):
            self._group(self.routes[path], group, [by_key[k] for k in members], end)
        self.notifications.sort(key=lambda n: (n.at, n.receiver, n.group))
        return self.notifications

    # ---- inhibition -----------------------------------------------------------------------------------
    def _sources_by_rule(self, by_key: dict[Key, AlertHistory]) -> list[dict[tuple, list[tuple[Key, AlertHistory]]]]:
        made = []
        for index, rule in enumerate(self.inhibit_rules):
            sources: dict[tuple, list] = {}
            for key, history in by_key.items():
                if index in self.destinations[key].sources:
                    sources.setdefault(tuple(history.labels.get(n, "") for n in rule.equal), []).append((key, history))
            made.append(sources)
        return made

    def _inhibitors(self, key: Key, history: AlertHistory) -> list[AlertHistory]:
        """The alerts that could mute this one (by rule, label equality and sides; firing or not)."""
        found = []
        where = self.destinations[key]
        for index in where.targets:
            equal = tuple(history.labels.get(n, "") for n in self.inhibit_rules[index].equal)
            for source_key, source in self._sources[index].get(equal, []):
                two_sided = index in where.sources and index in self.destinations[source_key].targets
                if source_key != key and not two_sided:
                    found.append(source)
        return found

    # ---- one aggregation group ------------------------------------------------------------------------
    def _group(self, route: Route, group: Key, members: list[AlertHistory], end: float) -> None:
        mutes = {id(m): self._inhibitors(tuple(sorted(m.labels.items())), m) for m in members}
        quiets = {id(m): [s for s in self.silences if s.matches(m.labels)] for m in members}
        changes = sorted({t for m in members for t in m.times()} | {t for found in mutes.values() for s in found for t in s.times()}
                         | {t for found in quiets.values() for s in found for t in (s.starts, s.ends)})
        arrivals = sorted((fired, index) for index, m in enumerate(members) for fired, _ in m.intervals)
        log: dict[str, _LogEntry] = {}
        sent_to = self.integrations.get(route.receiver, [])
        next_arrival = 0
        while next_arrival < len(arrivals):
            created = arrivals[next_arrival][0]
            flush = created + route.group_wait
            inside: set[int] = set()
            while True:
                if flush > end:
                    return
                while next_arrival < len(arrivals) and arrivals[next_arrival][0] <= flush:
                    inside.add(arrivals[next_arrival][1])
                    next_arrival += 1
                unmuted = {i for i in inside if not any(s.firing_at(flush) for s in mutes[id(members[i])])}
                self.inhibited.update(tuple(sorted(members[i].labels.items())) for i in inside - unmuted)
                shown = [i for i in unmuted if not any(s.active_at(flush) for s in quiets[id(members[i])])]
                self.silenced.update(tuple(sorted(members[i].labels.items())) for i in unmuted - set(shown))
                firing = frozenset(i for i in shown if members[i].firing_at(flush))
                resolved = frozenset(shown) - firing
                muted = bool(shown) and self._muted_at(route, flush)
                if muted:
                    self.muted_by_time += 1
                elif shown:
                    self._notify(route, group, flush, firing, resolved, sent_to, log)
                inside = {i for i in inside if members[i].firing_at(flush)}
                if not inside:
                    break
                # while muted, every tick may be the first one let through: none is skipped
                flush = flush + route.group_interval if muted else self._next_flush(
                    route, created, flush, changes, arrivals, next_arrival, log)
                if flush is None:
                    return

    def _next_flush(self, route: Route, created: float, flush: float, changes: list[float], arrivals, next_arrival: int,
                    log: dict[str, _LogEntry]) -> float | None:
        """The next tick at which something can differ: a change of state or an arrival (from the first tick
        at or after it), a repeat falling due (from the first tick strictly after it). The ticks in between
        would see what the last one saw and send nothing."""
        first = created + route.group_wait
        ticks = []
        later = bisect.bisect_right(changes, flush)
        for changed in (changes[later] if later < len(changes) else None,
                        arrivals[next_arrival][0] if next_arrival < len(arrivals) else None):
            if changed is not None:
                ticks.append(_tick_from(first, route.group_interval, changed, strictly=False))
        ticks += [_tick_from(first, route.group_interval, entry.at + self.send_s + route.repeat_interval, strictly=True)
                  for entry in log.values() if entry.firing]
        return max(min(ticks), flush + route.group_interval) if ticks else None

    def _notify(self, route: Route, group: Key, at: float, firing: frozenset, resolved: frozenset,
                sent_to: list[Integration], log: dict[str, _LogEntry]) -> None:
        sent = []
        for integration in sent_to:
            entry = log.get(integration.name)
            if not _needs_update(entry, firing, resolved, integration.send_resolved, route.repeat_interval + self.send_s, at):
                continue
            log[integration.name] = _LogEntry(firing, resolved, at)
            if firing or integration.send_resolved:
                sent.append(integration.name)
        if sent:
            self.notifications.append(Notification(at, route.receiver, route.path, group, len(firing), len(resolved), tuple(sent)))

    def _muted_at(self, route: Route, at: float) -> bool:
        def held(names: tuple[str, ...]) -> bool:
            return any(self.intervals.holds(name, at) for name in names)

        return held(route.mute_time_intervals) or bool(route.active_time_intervals) and not held(route.active_time_intervals)


def _needs_update(entry: _LogEntry | None, firing: frozenset, resolved: frozenset, send_resolved: bool,
                  repeat: float, now: float) -> bool:
    if entry is None:
        return bool(firing)
    if not firing <= entry.firing:
        return True
    if not firing:
        return bool(entry.firing)
    if send_resolved and not resolved <= entry.resolved:
        return True
    return now - entry.at > repeat


def _tick_from(first: float, interval: float, moment: float, *, strictly: bool) -> float:
    """The first of the ticks first + k * interval at (or strictly after) moment."""
    tick = first + max(0, math.ceil((moment - first) / interval)) * interval
    if tick < moment - 1e-6 or (strictly and tick <= moment + 1e-6):
        tick += interval
    return tick
