"""The stack's alert rules, backtested over the alert campaign that just ran on it: the firing intervals a
backtest finds in the history Prometheus kept are those Prometheus itself recorded while it evaluated the same
rules live (its ALERTS series), each within one evaluation interval plus the longest scrape of its targets
(Prometheus measures it): a live evaluation cannot see a sample whose scrape was still running. Where that
flips the condition at one evaluation, one side resolves and fires again (a flicker); at least 90 % of the
alerts must be exact and none may differ otherwise.

Through the stack's Alertmanager config, the same backtest predicts the notifications each receiver got
(backtest/received.py): every receiver's count at the sinks must lie within what Alertmanager's own timing
allows (the run's measured send latency either way), over the backtested firings and those Prometheus
recorded (the test above holds them one evaluation apart at most, which can move a firing across one of a
group's ticks), and is recorded beside the prediction. One receiver may be one notification off it: a
moment the replay does not model moves one notification."""

from __future__ import annotations

import pytest

from monsuite.alerts.canary import ALERT as CANARY, RECEIVER as CANARY_RECEIVER
from monsuite.backtest.delivery import AlertmanagerPlan
from monsuite.backtest.exactness import Recorded, judge, read_recorded
from monsuite.backtest.received import compare, recorded_histories
from monsuite.backtest.run import Backtest, run_backtest
from monsuite.backtest.running import running_alert_rules
from monsuite.clients.prometheus import PrometheusClient

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture(scope="module")
def prometheus(stack) -> PrometheusClient:
    return PrometheusClient(stack.first_url("prometheus"), timeout=60)


@pytest.fixture(scope="module")
def campaign_backtest(alert_campaign, prometheus) -> Backtest:
    """The stack's running alert rules over the campaign, from its first scenario to its last."""
    rules = [r for r in running_alert_rules(prometheus) if r.alert != CANARY]  # monsuite's instrument, not the stack's
    return run_backtest(prometheus, rules, alert_campaign.started_at, alert_campaign.ended_at)


@pytest.fixture(scope="module")
def recorded(campaign_backtest, prometheus) -> Recorded:
    """What Prometheus recorded over the campaign while it ran the rules (ALERTS, scrape durations)."""
    return read_recorded(prometheus, campaign_backtest)


def test_a_backtest_of_the_campaign_finds_the_firings_prometheus_recorded(campaign_backtest, recorded, record_measurement):
    backtest = campaign_backtest
    start, end = backtest.start, backtest.end
    verdicts = judge(recorded, backtest)
    fired = [v for v in verdicts if v.recorded or v.backtested]
    exact = [v for v in fired if v.exact]
    record_measurement("backtest_alerts_fired", len(fired))
    record_measurement("backtest_alerts_exact", len(exact))
    record_measurement("backtest_flickers", "; ".join(f"{v.alert}: {f}" for v in fired for f in v.flickers) or "none")
    record_measurement("backtest_firings_recorded", sum(v.recorded for v in fired))
    record_measurement("backtest_firings_one_evaluation_apart", sum(v.one_evaluation_apart for v in fired))
    record_measurement("backtest_largest_shift_seconds", round(max((v.largest_shift_s for v in fired), default=0.0), 3))
    record_measurement("backtest_longest_scrape_seconds", round(max((v.scrape_lag_s for v in fired), default=0.0), 3))
    assert fired, f"no alert fired during the campaign ({start:.0f} .. {end:.0f}): nothing to compare"
    assert all(v.within_a_flicker for v in fired), "\n".join(f"{v.alert}: {d}" for v in fired for d in v.differences)
    # a sample still being scraped when the live evaluation ran can flip one evaluation on one side; the rest
    # must be exact, and such flips rare
    assert len(exact) >= 0.9 * len(fired), "\n".join(f"{v.alert}: {f}" for v in fired for f in v.flickers)


def test_a_backtest_of_the_campaign_predicts_the_notifications_each_receiver_got(campaign_backtest, alert_campaign, recorded,
                                                                               stack, sinks, record_measurement):
    config = stack.run_dir / "config" / "alertmanager.yml" if stack.run_dir else None
    if config is None or not config.exists():
        pytest.skip("the Alertmanager config as it runs is not here (an external stack): its routes cannot be replayed")
    plan = AlertmanagerPlan.read(config)
    backtest = campaign_backtest
    slack_s = alert_campaign.allowances.largest_excess_ms() / 1000
    longest_step = max((r.step for r in backtest.results), default=0.0)
    receivers = [r["name"] for r in plan.config["receivers"] if r["name"] != CANARY_RECEIVER]
    comparison = compare(backtest, plan, sinks.deliveries(), receivers=receivers, slack_s=slack_s,
                         edge_s=longest_step + recorded.longest_scrape_s + slack_s, recorded=recorded_histories(recorded))
    counts = comparison.counts
    record_measurement("backtest_notifications", "; ".join(c.line() for c in counts))
    record_measurement("backtest_receivers_exact", f"{sum(c.exact for c in counts)}/{len(counts)}")
    record_measurement("backtest_notification_slack_seconds", round(slack_s, 3))
    record_measurement("backtest_alerts_left_out", ", ".join(comparison.left_out) or "none")
    assert sum(c.received for c in counts), f"no notification of the backtested alerts reached {receivers}: nothing to compare"
    outside = [c for c in counts if not c.within_timing]
    record_measurement("backtest_receivers_outside_timing", "; ".join(c.line() for c in outside) or "none")
    record_measurement("backtest_inexact_receivers_moments",
                       " | ".join(comparison.moments(c.receiver) for c in counts if not c.exact) or "none")
    # one moment the replay does not model (an alert reaching Alertmanager more than group_wait after it fired
    # flushes its group at once; an inhibiting alert's moment against another group's tick) moves at most one
    # notification: one receiver may be one notification off its envelope, no more
    far = [c.line() for c in counts if not c.fewest - 1 <= c.received <= c.most + 1]
    assert not far and len(outside) <= 1, "\n".join(far or [c.line() for c in outside])
