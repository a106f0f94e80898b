"""The notifications a backtest predicts, held against those a stack's receivers received over the same range
(the stack's sinks record every delivery).

Alertmanager's timing is not its config's alone: an alert reaches it, and leaves it, some milliseconds after
the evaluation that fired or resolved it; it logs a notification once sent and times the next repeat from
that entry; its ticks run late. A repeat that falls due within those milliseconds of a tick goes out at that
tick or one later, and an alert resolving that close to a tick is told at it or at the next. So beside the
prediction at the config's timing, an envelope: the fewest and the most notifications per receiver over the
corners of a box where the send time and every resolve move by up to `slack_s` either way (the caller
measures it from the run), over the backtest's firings and, where given, the firings Prometheus recorded
(ALERTS): a backtested firing may lie one evaluation from the recorded one (a scrape still running when the
live evaluation ran), which moves it across a group's tick. A count outside its envelope is a difference in
kind, not in timing.

Only alerts that were not firing when the range began are compared: Alertmanager's groups of the others
started before it, at moments the range does not show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import product

from monsuite.backtest.delivery import AlertmanagerPlan, dispatch_histories, histories, route
from monsuite.backtest.exactness import Recorded
from monsuite.backtest.notify import AlertHistory
from monsuite.backtest.run import Backtest
from monsuite.sinks.payloads import mentions_alert


@dataclass(frozen=True)
class ReceiverCount:
    receiver: str
    received: int
    predicted: int  # at the config's timing
    fewest: int
    most: int
    from_recorded: int | None = None  # at the config's timing, from the firings Prometheus recorded

    @property
    def exact(self) -> bool:
        return self.received == self.predicted

    @property
    def within_timing(self) -> bool:
        return self.fewest <= self.received <= self.most

    def line(self) -> str:
        envelope = f"{self.fewest}..{self.most}" if self.fewest != self.most else f"{self.fewest}"
        recorded = f", {self.from_recorded} from the recorded firings" if self.from_recorded not in (None, self.predicted) else ""
        return f"{self.receiver}: received {self.received}, predicted {self.predicted}{recorded} (timing allows {envelope})"


@dataclass
class Comparison:
    counts: list[ReceiverCount]
    left_out: list[str]  # alert names firing when the range began: not compared
    received_at: dict[str, list[float]] = field(default_factory=dict)  # per receiver, seconds into the range
    predicted_at: dict[str, list[float]] = field(default_factory=dict)  # at the config's timing

    def moments(self, receiver: str) -> str:
        """Where a receiver's count differs, when each notification came and when each was predicted."""
        def listed(times: list[float]) -> str:
            return " ".join(f"{t:.2f}" for t in times)
        return (f"{receiver}: received at {listed(self.received_at.get(receiver, []))}; "
                f"predicted at {listed(self.predicted_at.get(receiver, []))} (s into the range)")


def compare(backtest: Backtest, plan: AlertmanagerPlan, deliveries: list[dict], *, receivers: list[str],
            slack_s: float, edge_s: float, where: dict | None = None, recorded: list[AlertHistory] | None = None
            ) -> Comparison:
    """``deliveries``: the sinks' records (receiver, arrived_at, channel, body); ``receivers``: those compared;
    ``edge_s``: how far a notification may arrive from its predicted moment (a prediction within it of the
    range's ends may fall on either side); ``where``: route()'s answer for the alerts, where asked already;
    ``recorded``: the same alerts' firings as Prometheus recorded them."""
    alerts = histories(backtest)
    left_out = sorted({a.labels["alertname"] for a in alerts if a.firing_at(backtest.start)})
    compared = [a for a in alerts if a.labels["alertname"] not in left_out]
    names = sorted({a.labels["alertname"] for a in compared})
    received_at = _received(deliveries, names, left_out, backtest.start, backtest.end)
    received = Counter({r: len(times) for r, times in received_at.items()})
    versions = [compared] + ([[a for a in recorded if a.labels["alertname"] not in left_out]] if recorded is not None else [])
    if where is None:
        where = route(plan, [a for version in versions for a in version])
    predicted = dispatch_histories(versions[0], backtest.end, plan, where).notifications
    nominal = [_count(predicted, backtest.start, backtest.end)] + [
        _count(dispatch_histories(v, backtest.end, plan, where).notifications, backtest.start, backtest.end)
        for v in versions[1:]]
    fewest = {r: min(n[r] for n in nominal) for r in receivers}
    most = {r: max(n[r] for n in nominal) for r in receivers}
    for version, send, resolve in product(versions, (-slack_s, slack_s), (-slack_s, slack_s)):
        sent = dispatch_histories(_resolving_later(version, resolve), backtest.end + edge_s, plan, where,
                                  send_s=send).notifications
        inner = _count(sent, backtest.start + edge_s, backtest.end - edge_s)
        outer = _count(sent, backtest.start - edge_s, backtest.end + edge_s)
        for receiver in receivers:
            fewest[receiver] = min(fewest[receiver], inner[receiver])
            most[receiver] = max(most[receiver], outer[receiver])
    counts = [ReceiverCount(r, received[r], nominal[0][r], fewest[r], most[r], nominal[1][r] if recorded is not None else None)
              for r in receivers]
    predicted_at = {r: sorted(round(n.at - backtest.start, 3) for n in predicted
                              if n.receiver == r and backtest.start <= n.at <= backtest.end) for r in receivers}
    return Comparison(counts, left_out, {r: received_at.get(r, []) for r in receivers}, predicted_at)


def recorded_histories(recorded: Recorded) -> list[AlertHistory]:
    """The backtested rules' alerts as the Prometheus that ran them recorded their firings (ALERTS)."""
    made = []
    for by_labels in dict((alert, firings) for (alert, _), firings in sorted(recorded.firings.items())).values():
        for labels, intervals in by_labels.items():
            made.append(AlertHistory(dict(labels), sorted(intervals)))
    return made


def _received(deliveries: list[dict], names: list[str], left_out: list[str], start: float, end: float) -> dict[str, list[float]]:
    """Per receiver: when the deliveries inside the range about the compared alerts (none about an alert left
    out) arrived, in seconds into the range."""
    arrived: dict[str, list[float]] = {}
    for delivery in deliveries:
        if not start <= delivery["arrived_at"] <= end or any(mentions_alert(delivery, name) for name in left_out):
            continue
        if any(mentions_alert(delivery, name) for name in names):
            arrived.setdefault(delivery["receiver"], []).append(round(delivery["arrived_at"] - start, 3))
    return {r: sorted(times) for r, times in arrived.items()}


def _count(notifications, start: float, end: float) -> Counter:
    return Counter(n.receiver for n in notifications if start <= n.at <= end)


def _resolving_later(alerts: list[AlertHistory], seconds: float) -> list[AlertHistory]:
    """The alerts with every resolve moved by ``seconds`` (never before its firing)."""
    return [replace(a, intervals=[(fired, None if resolved is None else max(fired, resolved + seconds))
                                  for fired, resolved in a.intervals]) for a in alerts]
