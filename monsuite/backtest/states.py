"""Firing intervals from the evaluations at which a rule's expression returned a series, as Prometheus's
rule manager makes them (rules/alerting.go):

- a series that appears becomes a pending alert, active from that evaluation;
- a pending alert fires at the first evaluation at least `for` after it became active (at once for 0);
- a pending alert whose series goes away is dropped;
- a firing alert whose series goes away resolves at that evaluation, or with `keep_firing_for` at the
  first evaluation at least `keep_firing_for` after the series went away (it keeps firing if the series
  comes back before then);
- a series that comes back after its alert resolved makes a new pending alert.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Firing:
    labels: tuple  # sorted (name, value) pairs
    active_at: float  # the evaluation at which the condition began (pending from here)
    fired_at: float
    resolved_at: float | None  # None: still firing at the end of the range

    @property
    def delay(self) -> float:
        """Seconds from the condition beginning to the alert firing."""
        return self.fired_at - self.active_at

    def seconds(self, end: float) -> float:
        return (self.resolved_at if self.resolved_at is not None else end) - self.fired_at


def runs(times: list[float], step: float) -> list[tuple[float, float]]:
    """Consecutive evaluation times (step apart) as (first, last) runs."""
    made: list[tuple[float, float]] = []
    for t in sorted(times):
        if made and abs(t - made[-1][1] - step) < step / 1000:
            made[-1] = (made[-1][0], t)
        else:
            made.append((t, t))
    return made


def _first_at_least(start: float, wait: float, step: float) -> float:
    """The first evaluation time at or after start + wait, on start's grid."""
    steps = -(-wait // step) if wait > 0 else 0  # ceil
    return start + steps * step


def firings(labels: tuple, times: list[float], step: float, for_s: float, keep_firing_for_s: float = 0.0,
            end: float | None = None) -> list[Firing]:
    """The firing intervals of one series; `times`: the evaluations at which it was returned; `end`: the
    last evaluation of the range (an alert firing then has no resolved_at)."""
    made: list[Firing] = []
    firing: tuple[float, float] | None = None  # (active_at, fired_at) of the alert firing now
    last_true = None
    for first, last in runs(times, step):
        if firing is not None:
            went_away = last_true + step
            resolves = _first_at_least(went_away, keep_firing_for_s, step) if keep_firing_for_s else went_away
            if first < resolves:  # back before it resolved: it never stopped firing
                last_true = last
                continue
            made.append(Firing(labels, firing[0], firing[1], resolves))
            firing = None
        fires = _first_at_least(first, for_s, step)
        if fires <= last:
            firing = (first, fires)
        last_true = last
    if firing is not None:
        went_away = last_true + step
        resolves = _first_at_least(went_away, keep_firing_for_s, step) if keep_firing_for_s else went_away
        still = end is not None and resolves > end
        made.append(Firing(labels, firing[0], firing[1], None if still else resolves))
    return made
