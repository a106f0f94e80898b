"""A backtest's predicted notifications held against what receivers received: the count at the config's timing,
and the envelope Alertmanager's own timing allows (a repeat falling due within the send latency of a tick)."""

from __future__ import annotations

from pathlib import Path

from monsuite.backtest.delivery import AlertmanagerPlan
from monsuite.backtest.evaluate import RuleResult
from monsuite.backtest.notify import AlertHistory, _tick_from
from monsuite.backtest.received import compare
from monsuite.backtest.routes import Destination, Route
from monsuite.backtest.run import Backtest
from monsuite.backtest.states import Firing
from monsuite.backtest.timeintervals import NamedIntervals
from monsuite.rules.model import Rule

TICK = 0.167  # the ci profile's group_interval: 10s / 60, to whole milliseconds
REPEAT = 1.0  # 1m / 60: six ticks are 1.002 s, two milliseconds past it
CONFIG = {"receivers": [{"name": "team", "webhook_configs": [{"url": "http://127.0.0.1:9/", "send_resolved": True}]}]}


def plan(interval: float = TICK) -> AlertmanagerPlan:
    routes = {"0": Route("0", "team", ("alertname",), TICK, interval, REPEAT)}
    return AlertmanagerPlan(Path("alertmanager.yml"), CONFIG, routes, NamedIntervals({}))


def backtest(firings: dict[str, tuple[float, float | None]], start: float = 0.0, end: float = 30.0) -> Backtest:
    results = []
    for alert, (fired, resolved) in firings.items():
        result = RuleResult(Rule(file="r.yml", group="g", group_interval_ms=100, expr="x > 0", alert=alert), 0.1, start, end)
        result.firings = [Firing((("instance", "a"),), fired, fired, resolved)]
        results.append(result)
    return Backtest(start, end, results)


def where(*alerts: str) -> dict:
    return {(("alertname", a), ("instance", "a")): Destination(("0",), frozenset(), frozenset()) for a in alerts}


def delivered(alert: str, times: list[float], status: str = "firing") -> list[dict]:
    return [{"receiver": "team", "arrived_at": t, "channel": "webhook",
             "body": {"alerts": [{"labels": {"alertname": alert, "instance": "a"}, "status": status}]}} for t in times]


def every(ticks: int, first: float, until: float) -> list[float]:
    """Alertmanager's repeats of one firing alert: its first flush, then every `ticks` group intervals."""
    times = [first]
    while times[-1] + ticks * TICK < until:
        times.append(times[-1] + ticks * TICK)
    return times


def test_a_repeat_due_within_the_send_latency_of_a_tick_may_go_at_the_next_one():
    # fired at 1 s, resolved at 11 s: at the config's timing a repeat every six ticks (1.002 s > 1 s); an
    # Alertmanager that logs each notification 10 ms after its tick waits seven
    firing = every(7, 1 + TICK, 11)
    resolved_at = _tick_from(1 + TICK, TICK, 11, strictly=False)
    received = delivered("Down", firing) + delivered("Down", [resolved_at + 0.01], "resolved")
    timed = compare(backtest({"Down": (1.0, 11.0)}), plan(), received, receivers=["team"], slack_s=0.05, edge_s=0.5,
                    where=where("Down"))
    count = timed.counts[0]
    assert count.received == len(firing) + 1 and count.predicted == len(every(6, 1 + TICK, 11)) + 1
    assert not count.exact and count.within_timing, count.line()
    untimed = compare(backtest({"Down": (1.0, 11.0)}), plan(), received, receivers=["team"], slack_s=0.0, edge_s=0.5,
                      where=where("Down"))
    assert not untimed.counts[0].within_timing  # without a send latency the config's timing is all there is


def test_a_receiver_notified_at_ten_times_the_group_interval_is_outside_what_timing_allows():
    received = delivered("Down", every(60, 1 + TICK, 11))  # repeats every 10 s: a group_interval 10x the config's
    compared = compare(backtest({"Down": (1.0, 11.0)}), plan(), received, receivers=["team"], slack_s=0.05, edge_s=0.5,
                       where=where("Down"))
    assert not compared.counts[0].within_timing
    assert "received 1, predicted 11" in compared.counts[0].line()
    assert len(compared.received_at["team"]) == 1 and len(compared.predicted_at["team"]) == 11
    assert compared.moments("team").startswith(f"team: received at {compared.received_at['team'][0]:.2f}; predicted at ")


def test_an_alert_firing_when_the_range_begins_is_left_out_with_its_notifications():
    # Early fired before the range: Alertmanager's group for it began at a moment the range does not show
    history = backtest({"Early": (-5.0, 3.0), "Late": (10.0, 10.13)}, start=0.0, end=30.0)
    received = (delivered("Early", [0.5, 2.0]) + delivered("Late", [10.0 + TICK])
                + delivered("Late", [40.0])  # after the range
                + delivered("SomeoneElse", [12.0]))  # not an alert of the backtest
    compared = compare(history, plan(), received, receivers=["team"], slack_s=0.05, edge_s=0.5,
                       where=where("Early", "Late"))
    assert compared.left_out == ["Early"]
    # Late resolved before its first flush: Alertmanager never tells it; the sinks got one, which timing allows
    # only because the resolve may have reached Alertmanager after that flush
    count = compared.counts[0]
    assert (count.received, count.predicted, count.within_timing) == (1, 0, True)


def test_a_firing_recorded_one_evaluation_later_may_miss_its_groups_first_flush():
    # backtested, both instances fire at 1 s and are told together; Prometheus recorded b one evaluation later,
    # after the group's first flush at 1.167 s: Alertmanager told b on its own at the next tick (both resolve
    # at 1.6 s, told at the tick after)
    result = RuleResult(Rule(file="r.yml", group="g", group_interval_ms=250, expr="x > 0", alert="Down"), 0.25, 0, 30)
    result.firings = [Firing((("instance", i),), 1.0, 1.0, 1.6) for i in ("a", "b")]
    history = Backtest(0.0, 30.0, [result])
    recorded = [AlertHistory({"alertname": "Down", "instance": "a"}, [(1.0, 1.6)]),
                AlertHistory({"alertname": "Down", "instance": "b"}, [(1.25, 1.6)])]
    routes = {(("alertname", "Down"), ("instance", i)): Destination(("0",), frozenset(), frozenset()) for i in ("a", "b")}
    received = delivered("Down", [1 + TICK, 1 + 2 * TICK]) + delivered("Down", [1 + 4 * TICK], "resolved")
    alone = compare(history, plan(), received, receivers=["team"], slack_s=0.01, edge_s=0.3, where=routes)
    assert not alone.counts[0].within_timing and alone.counts[0].predicted == 2
    both = compare(history, plan(), received, receivers=["team"], slack_s=0.01, edge_s=0.3, where=routes, recorded=recorded)
    count = both.counts[0]
    assert count.within_timing and (count.predicted, count.from_recorded) == (2, 3), count.line()
    assert "3 from the recorded firings" in count.line()
