"""A backtest held against what the Prometheus that ran the same rules recorded: its ALERTS series, one raw
sample per evaluation that found the alert firing. Per alert, the firing intervals must pair up one to one,
each beginning and ending within one evaluation interval of the recorded one, plus the longest scrape of the
targets the alert names: a sample carries its scrape's start as its time but reaches the live evaluations only
when the scrape ends (a target that is down can take its whole timeout), while a backtest reads it at its time."""

from __future__ import annotations

from dataclasses import dataclass, field

from monsuite.backtest.run import Backtest
from monsuite.backtest.states import runs
from monsuite.clients.prometheus import PrometheusClient

# ALERTS sets alertstate itself, over any the alert had (a rule on ALERTS passes one on): not compared
STATE = "alertstate"
LAG_S = 0.05  # an evaluation's timestamp as Prometheus reports it runs this far behind at most, loaded machine


@dataclass
class AlertExactness:
    alert: str
    step: float
    backtested: int = 0
    recorded: int = 0
    differences: list[str] = field(default_factory=list)
    largest_shift_s: float = 0.0
    one_evaluation_apart: int = 0  # firings paired within one interval, but not at the same evaluation
    rearm_s: float = 0.0  # how soon after resolving the alert can fire again: its `for` plus one evaluation
    scrape_lag_s: float = 0.0  # the longest scrape of the targets behind the alert, as Prometheus measured it
    flickers: list[str] = field(default_factory=list)  # one side resolved and re-fired where the other kept firing

    @property
    def exact(self) -> bool:
        return not self.differences and not self.flickers

    @property
    def within_a_flicker(self) -> bool:
        """Exact but for a brief resolve-and-refire on one side: the condition crossed at one evaluation on one
        side only, as when a sample arrives after the live evaluation that it precedes (a scrape still running)."""
        return not self.differences


def recorded_firings(client: PrometheusClient, alert: str, start: float, end: float, step: float) -> dict[tuple, list]:
    """Per alert label set: (fired_at, resolved_at or None) as the ALERTS samples show them."""
    window = int(end - start) + 1
    matrix = client.query_at(f'ALERTS{{alertname="{alert}", alertstate="firing"}}[{window}s]', end)
    found = {}
    for series in matrix:
        labels = tuple(sorted((k, v) for k, v in series["metric"].items() if k not in ("__name__", STATE)))
        times = [float(t) for t, _ in series["values"]]
        found[labels] = [(first, last + step if last + step <= end else None) for first, last in runs(times, step)]
    return found


def scrape_durations(client: PrometheusClient, start: float, end: float) -> dict[tuple[str, str], float]:
    """Per (job, instance): the longest scrape Prometheus measured in the range (``scrape_duration_seconds``)."""
    window = int(end - start) + 1
    found = client.query_at(f"max_over_time(scrape_duration_seconds[{window}s])", end)
    return {(s["metric"].get("job", ""), s["metric"].get("instance", "")): float(s["value"][1]) for s in found}


def _scrape_lag(durations: dict[tuple[str, str], float], labels: dict) -> float:
    """The longest scrape of the targets an alert's job / instance labels name; of every target if it names none."""
    named = [seconds for (job, instance), seconds in durations.items()
             if labels.get("job", job) == job and labels.get("instance", instance) == instance]
    return max(named or durations.values() or [0.0])


@dataclass(frozen=True)
class Recorded:
    """What the Prometheus that ran a backtest's rules recorded over its range, read once: per (alert, its
    group's interval), the firing intervals per label set; per target, its longest scrape."""
    firings: dict[tuple[str, float], dict[tuple, list]]
    scrape_durations: dict[tuple[str, str], float]

    @property
    def longest_scrape_s(self) -> float:
        return max(self.scrape_durations.values(), default=0.0)


def read_recorded(client: PrometheusClient, backtest: Backtest) -> Recorded:
    steps = {(r.rule.alert, r.step) for r in backtest.results}
    return Recorded({(alert, step): recorded_firings(client, alert, backtest.start, backtest.end, step) for alert, step in steps},
                    scrape_durations(client, backtest.start, backtest.end))


def judge(recorded: Recorded, backtest: Backtest) -> list[AlertExactness]:
    """Per alert rule of the backtest, how its firings inside the range compare with the recorded ones; an
    interval that began within one evaluation of the range's edges is left out (either side may hold it)."""
    verdicts = []
    durations = recorded.scrape_durations
    for result in backtest.results:
        step = result.step
        verdict = AlertExactness(result.rule.alert, step, rearm_s=result.rule.for_ms / 1000 + 2 * step)

        def inside(fired: float, step: float = step) -> bool:
            return backtest.start + step <= fired <= backtest.end - step

        mine: dict[tuple, list] = {}
        for firing in result.firings:
            if inside(firing.fired_at):
                key = tuple(sorted((k, v) for k, v in result.alert_labels(firing).items() if k != STATE))
                mine.setdefault(key, []).append((firing.fired_at, firing.resolved_at))
        theirs = {key: [i for i in intervals if inside(i[0])]
                  for key, intervals in recorded.firings[(result.rule.alert, step)].items()}
        for key in sorted(set(mine) | set(theirs)):
            labels = dict(key)
            _pair(verdict, labels, mine.get(key, []), theirs.get(key, []), backtest.end,
                  scrape_lag_s=_scrape_lag(durations, labels))
        verdicts.append(verdict)
    return verdicts


def _pair(verdict: AlertExactness, labels: dict, mine: list, theirs: list, end: float,
          scrape_lag_s: float = 0.0) -> None:
    verdict.backtested += len(mine)
    verdict.recorded += len(theirs)
    shown = ",".join(f"{k}={v}" for k, v in labels.items() if k != "alertname")
    allowed = verdict.step + scrape_lag_s + LAG_S
    if len(mine) != len(theirs):
        joined_mine, joined_theirs = _joined(mine, verdict.rearm_s), _joined(theirs, verdict.rearm_s)
        if len(joined_mine) == len(joined_theirs) and (joined_mine, joined_theirs) != (mine, theirs):
            verdict.flickers.append(f"{{{shown}}}: {len(mine)} firings backtested, {len(theirs)} recorded: one side "
                                    f"resolved and fired again within {verdict.rearm_s:g} s")
        else:
            # a condition that held for its `for` to within one evaluation and a late sample fires on one side only
            joined_mine, joined_theirs = _without_brief(joined_mine, allowed), _without_brief(joined_theirs, allowed)
            if len(joined_mine) != len(joined_theirs):
                verdict.differences.append(f"{{{shown}}}: {len(mine)} firings backtested, {len(theirs)} recorded")
                return
            verdict.flickers.append(f"{{{shown}}}: {len(mine)} firings backtested, {len(theirs)} recorded: the other "
                                    f"fired for at most {allowed:.3f} s (one evaluation and the longest scrape)")
        mine, theirs = joined_mine, joined_theirs
    verdict.scrape_lag_s = max(verdict.scrape_lag_s, scrape_lag_s)
    for (fired, resolved), (was_fired, was_resolved) in zip(mine, theirs):
        shifts = [abs(fired - was_fired)]
        if resolved is not None and was_resolved is not None:
            shifts.append(abs(resolved - was_resolved))
        elif (resolved is None) != (was_resolved is None) and (resolved or was_resolved) < end - verdict.step:
            verdict.differences.append(f"{{{shown}}}: one side still firing at the end, the other resolved")
        verdict.largest_shift_s = max(verdict.largest_shift_s, *shifts)
        verdict.one_evaluation_apart += LAG_S < max(shifts) <= allowed
        if max(shifts) > allowed:
            verdict.differences.append(f"{{{shown}}}: fired/resolved {max(shifts):.3f} s apart (more than one "
                                       f"evaluation interval, {verdict.step:g} s, and the longest scrape of its "
                                       f"targets, {scrape_lag_s:.3f} s)")


def _without_brief(intervals: list, allowed_s: float) -> list:
    """The firings that lasted longer than ``allowed_s`` (or still fire)."""
    return [(fired, resolved) for fired, resolved in intervals if resolved is None or resolved - fired > allowed_s]


def _joined(intervals: list, rearm_s: float) -> list:
    """Firing intervals with a resolve-and-refire within ``rearm_s`` joined into one."""
    joined: list = []
    for fired, resolved in intervals:
        if joined and joined[-1][1] is not None and fired - joined[-1][1] <= rearm_s + LAG_S:
            joined[-1] = (joined[-1][0], resolved)
        else:
            joined.append((fired, resolved))
    return joined
