"""The stack's alert rules, backtested over the alert campaign that just ran on it: the firing intervals a
backtest finds in the history Prometheus kept are those Prometheus itself recorded while it evaluated the same
rules live (its ALERTS series), each within one evaluation interval plus the longest scrape of its targets
(Prometheus measures it): a live evaluation cannot see a sample whose scrape was still running. Where that
flips the condition at one evaluation, one side resolves and fires again (a flicker); at least 90 % of the
alerts must be exact and none may differ otherwise."""

from __future__ import annotations

import time

import pytest

from monsuite.alerts.canary import ALERT as CANARY
from monsuite.backtest.exactness import judge
from monsuite.backtest.run import run_backtest
from monsuite.backtest.running import running_alert_rules
from monsuite.clients.prometheus import PrometheusClient

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_a_backtest_of_the_campaign_finds_the_firings_prometheus_recorded(alert_campaign, stack, record_measurement):
    client = PrometheusClient(stack.first_url("prometheus"), timeout=60)
    start, end = alert_campaign.started_at, time.time()
    rules = [r for r in running_alert_rules(client) if r.alert != CANARY]  # monsuite's instrument, not the stack's
    backtest = run_backtest(client, rules, start, end)
    verdicts = judge(client, backtest)
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
