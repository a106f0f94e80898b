"""Allowances: measured from the canary's distribution, never stricter than the floor, local bursts honoured."""

from __future__ import annotations

from monsuite.alerts.allowance import MIN_PIPELINE_MS, MIN_TOTAL_MS, Allowances
from monsuite.alerts.canary import LANES, CanarySample

GROUP_WAIT_MS = 200


def cycles(excess_ms: list[float], start: float = 1000.0, period: float = 2.0) -> list[CanarySample]:
    """One cycle per excess value, each delivered on every lane with that excess."""
    return [CanarySample(f"{i}/lane-{lane}", start + i * period, start + i * period + (GROUP_WAIT_MS + e) / 1000)
            for i, e in enumerate(excess_ms) for lane in range(1, LANES + 1)]


def test_without_a_canary_the_fixed_allowances_apply_and_say_why():
    allowances = Allowances.fixed("the stack runs no canary")
    assert allowances.source == "fixed"
    assert allowances.pipeline_ms() == MIN_PIPELINE_MS and allowances.total_ms() == MIN_TOTAL_MS
    assert "no canary" in allowances.why


def test_too_few_cycles_fall_back_to_fixed():
    allowances = Allowances.measured(cycles([5, 6, 7]), GROUP_WAIT_MS, 2.0, 10.0)
    assert allowances.source == "fixed" and f"{3 * LANES} canary alerts" in allowances.why


def test_a_quiet_machine_keeps_the_floor():
    allowances = Allowances.measured(cycles([5, 6, 6, 7, 5, 6, 8, 6]), GROUP_WAIT_MS, 2.0, 10.0)
    assert allowances.source == "canary"
    assert allowances.pipeline_ms() == MIN_PIPELINE_MS


def test_a_slow_machine_widens_the_allowance_to_its_far_out_fence():
    excess = [100, 120, 140, 160, 110, 130, 150, 170]
    allowances = Allowances.measured(cycles(excess), GROUP_WAIT_MS, 2.0, 10.0)
    assert round(allowances.fence_ms, 6) == 2 * max(excess)  # heavier than Q3 + 3 IQR here
    assert allowances.pipeline_ms() == round(allowances.fence_ms, 1)
    assert "2 x max" in allowances.why
    assert round(allowances.largest_excess_ms(), 6) == max(excess)  # the worst cycle itself, not the fence
    assert Allowances.fixed("no canary").largest_excess_ms() == MIN_PIPELINE_MS


def test_a_scenario_fails_only_beyond_twice_the_worst_the_canary_saw():
    excess = [5, 6, 6, 7, 5, 40, 6, 8, 6, 5]
    allowances = Allowances.measured(cycles(excess), GROUP_WAIT_MS, 2.0, 10.0)
    assert allowances.pipeline_ms() >= 80.0
    doubled_group_wait = GROUP_WAIT_MS  # a group_wait twice the configured one adds G
    assert doubled_group_wait > allowances.pipeline_ms()


def test_the_tail_fence_leaves_one_false_alarm_in_a_thousand_campaigns():
    import math
    import random
    import statistics

    from monsuite.alerts.allowance import FALSE_ALARM_PER_CAMPAIGN, tail_fence

    draw = random.Random(7)
    canary = [10 + draw.expovariate(1 / 8) for _ in range(80)]  # a latency tail: 10 ms floor, 8 ms scale
    fence = tail_fence(canary, judged=19)
    median = statistics.median(canary)
    beta = statistics.fmean(x - median for x in canary if x > median)
    assert math.isclose(19 * 0.5 * math.exp(-(fence - median) / beta), FALSE_ALARM_PER_CAMPAIGN, rel_tol=1e-9)
    # scenarios drawn from that same distribution: false alarms are rare, a 10x group_wait (+1.5 s) is not
    campaigns = [[10 + draw.expovariate(1 / 8) for _ in range(19)] for _ in range(2000)]
    assert sum(max(c) > fence for c in campaigns) <= 10
    assert 9 * GROUP_WAIT_MS > fence


def test_more_judged_scenarios_widen_the_fence():
    excess = [5, 6, 6, 7, 5, 9, 6, 8, 6, 5]
    one = Allowances.measured(cycles(excess), GROUP_WAIT_MS, 2.0, 10.0, judged=1)
    many = Allowances.measured(cycles(excess), GROUP_WAIT_MS, 2.0, 10.0, judged=19)
    assert many.tail_ms > one.tail_ms and "1 false alarm in 1000 campaigns of 19" in many.why


def test_the_total_allowance_adds_the_longest_scrape():
    allowances = Allowances.measured(cycles([100, 120, 140, 160, 110, 130, 150, 170]), GROUP_WAIT_MS, 2.0, 250.0)
    assert allowances.total_ms() == round(allowances.pipeline_ms() + 250.0, 1)
    report = allowances.to_dict()
    assert report["canary_alerts"] == 8 * LANES and report["scrape_ms"] == 250.0


def test_an_alert_of_a_slow_rule_group_may_be_sent_that_much_later():
    allowances = Allowances.measured(cycles([5, 6, 6, 7, 5, 6, 8, 6]), GROUP_WAIT_MS, 2.0, 10.0,
                                     {"windmill-platform": 70.0, "monsuite-canary": 1.0})
    assert allowances.pipeline_ms("windmill-platform") == MIN_PIPELINE_MS + 70.0
    assert allowances.pipeline_ms("other") == MIN_PIPELINE_MS
    assert "longest rule group evaluation 70 ms (windmill-platform)" in allowances.why


def test_where_alertmanager_logs_receipts_the_stage_group_wait_governs_is_judged():
    samples = [CanarySample(str(i), 1000.0 + 4 * i, 1000.0 + 4 * i + 0.3, 1000.0 + 4 * i + 0.09) for i in range(4 * LANES)]
    allowances = Allowances.measured(samples, GROUP_WAIT_MS, 4.0, 10.0, {"slow-group": 80.0})
    assert allowances.stage == "alertmanager_to_delivered"
    assert round(allowances._excess(samples[0]), 1) == 10.0  # 300 - 90 - 200
    assert allowances.pipeline_ms("slow-group") == MIN_PIPELINE_MS  # evaluation time is before receipt
    assert allowances.total_ms("slow-group") == max(MIN_TOTAL_MS, MIN_PIPELINE_MS + 80.0 + 90.0 + 10.0)
