"""A backtest told: per alert, how often it fired, for how long, how soon after its condition began and how
often it flapped; against known incidents, which were caught and how late, and what fired outside them;
against a baseline (the same history under an older rule file), the difference."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from monsuite.backtest.evaluate import RuleResult
from monsuite.errors import ManifestError
from monsuite.timescale import format_ms
from monsuite.userio.inputs import read_yaml
from monsuite.userio.times import parse_instant


@dataclass
class AlertSummary:
    alert: str
    firings: int
    firing_seconds: float
    median_delay_s: float | None  # condition began -> fired
    flaps: int  # fired again within the flap window after resolving (same series)
    series: int

    def line(self) -> str:
        delay = f", fires {format_ms(int(self.median_delay_s * 1000))} after its condition (median)" \
            if self.median_delay_s is not None else ""
        flaps = f", {self.flaps} flaps" if self.flaps else ""
        return (f"{self.alert}: {self.firings} firings over {self.series} series, firing "
                f"{format_ms(int(self.firing_seconds * 1000)) if self.firing_seconds else '0s'}{delay}{flaps}")


def summarise(results: list[RuleResult], end: float, flap_window_s: float) -> list[AlertSummary]:
    by_alert: dict[str, list[RuleResult]] = {}
    for result in results:
        by_alert.setdefault(result.rule.alert, []).append(result)
    made = []
    for alert, rule_results in by_alert.items():
        fired = [f for r in rule_results for f in r.firings]
        made.append(AlertSummary(alert, len(fired), sum(f.seconds(end) for f in fired),
                                 statistics.median(f.delay for f in fired) if fired else None,
                                 _flaps(fired, flap_window_s), sum(r.series for r in rule_results)))
    return made


def _flaps(fired, window_s: float) -> int:
    by_series: dict[tuple, list] = {}
    for firing in fired:
        by_series.setdefault(firing.labels, []).append(firing)
    count = 0
    for runs in by_series.values():
        runs.sort(key=lambda f: f.fired_at)
        count += sum(1 for before, after in zip(runs, runs[1:])
                     if before.resolved_at is not None and after.fired_at - before.resolved_at <= window_s)
    return count


@dataclass
class Incident:
    name: str
    start: float
    end: float
    alerts: tuple[str, ...] = ()  # the alerts that should have caught it (empty: any)


@dataclass
class IncidentVerdict:
    incident: Incident
    caught_by: list[tuple[str, float]] = field(default_factory=list)  # (alert, seconds after the incident began)

    @property
    def caught(self) -> bool:
        return bool(self.caught_by)

    def line(self) -> str:
        if not self.caught:
            return f"MISSED {self.incident.name}: nothing {'of ' + ', '.join(self.incident.alerts) + ' ' if self.incident.alerts else ''}fired during it"
        alert, delay = min(self.caught_by, key=lambda c: c[1])
        return f"CAUGHT {self.incident.name}: {alert} fired {format_ms(int(max(0, delay) * 1000))} after it began"


def read_incidents(path) -> list[Incident]:
    """incidents.yaml: [{name, start, end, alerts: [names]}], times in ISO 8601 or unix seconds."""
    data = read_yaml(path, "incidents file", expect=list)
    made = []
    for index, entry in enumerate(data):
        where = f"[{index}]"
        if not isinstance(entry, dict) or not {"name", "start", "end"} <= set(entry):
            raise ManifestError(path, where, "each incident needs name, start and end (ISO 8601 or unix seconds)")
        start = parse_instant(str(entry["start"]), f"{path}: {where}.start")
        end = parse_instant(str(entry["end"]), f"{path}: {where}.end")
        if end <= start:
            raise ManifestError(path, where, "its end must come after its start")
        made.append(Incident(str(entry["name"]), start, end, tuple(str(a) for a in entry.get("alerts") or ())))
    return made


def judge_incidents(results: list[RuleResult], incidents: list[Incident]) -> tuple[list[IncidentVerdict], list[tuple[str, float]]]:
    """Per incident, the alerts that fired during it; and the firings outside every incident (false alarms):
    (alert, fired_at)."""
    verdicts = [IncidentVerdict(i) for i in incidents]
    false_alarms = []
    for result in results:
        for firing in result.firings:
            during = [v for v in verdicts if v.incident.start <= firing.fired_at <= v.incident.end
                      or (firing.fired_at < v.incident.start and (firing.resolved_at is None or firing.resolved_at > v.incident.start))]
            for verdict in during:
                if not verdict.incident.alerts or result.rule.alert in verdict.incident.alerts:
                    verdict.caught_by.append((result.rule.alert, firing.fired_at - verdict.incident.start))
            if not during:
                false_alarms.append((result.rule.alert, firing.fired_at))
    return verdicts, false_alarms


def compare(now: list[AlertSummary], before: list[AlertSummary]) -> list[str]:
    """The difference a rule change makes, per alert that changed: "+14 firings", "fires 6m later"; then how
    many did not change."""
    old = {s.alert: s for s in before}
    lines, unchanged = [], 0
    for summary in now:
        was = old.pop(summary.alert, None)
        if was is None:
            lines.append(f"{summary.alert}: new alert, {summary.firings} firings")
            continue
        said = []
        if summary.firings != was.firings:
            said.append(f"{summary.firings - was.firings:+d} firings ({was.firings} -> {summary.firings})")
        if summary.flaps != was.flaps:
            said.append(f"{summary.flaps - was.flaps:+d} flaps")
        if summary.median_delay_s is not None and was.median_delay_s is not None and summary.median_delay_s != was.median_delay_s:
            change = summary.median_delay_s - was.median_delay_s
            said.append(f"fires {format_ms(int(abs(change) * 1000))} {'later' if change > 0 else 'sooner'} (median)")
        if said:
            lines.append(f"{summary.alert}: {', '.join(said)}")
        else:
            unchanged += 1
    lines += [f"{alert}: removed (it fired {was.firings} times)" for alert, was in old.items()]
    return lines + ([f"{unchanged} alerts unchanged"] if unchanged else [])
