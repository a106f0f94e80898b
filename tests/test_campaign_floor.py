"""The campaign's floor: phases one after another, each as long as its longest scenario at best."""

from __future__ import annotations

from types import SimpleNamespace

from monsuite.alerts.campaign import Campaign
from monsuite.alerts.floors import Floors


def _result(for_ms: int, group_wait_ms: int, ramp_ms: int = 0, delay_ms: int = 0):
    return SimpleNamespace(floors=Floors(scrape_ms=250, evaluation_ms=250, for_ms=for_ms, group_wait_ms=group_wait_ms,
                                         ramp_ms=ramp_ms, delay_ms=delay_ms, budget_ms=500))


def floor_seconds(campaign) -> float:
    """Campaign.floor_seconds of a stand-in holding only what the floor reads."""
    campaign.phase_floor_ms = lambda phase: Campaign.phase_floor_ms(campaign, phase)
    return Campaign.floor_seconds.fget(campaign)


def test_the_floor_sums_each_phases_longest_scenario():
    campaign = SimpleNamespace(
        results={"a": _result(5000, 500), "b": _result(1000, 500, ramp_ms=2000), "c": _result(15000, 500, delay_ms=100),
                 "skipped": SimpleNamespace(floors=None)},
        scenarios=[SimpleNamespace(name=n, uses=()) for n in ("a", "b", "c", "skipped")],
        phases=[["a", "b"], ["c"], ["skipped"]])
    # phase 1: max(5.5 s, 3.5 s); phase 2: 15.6 s; a scenario without floors adds nothing
    assert floor_seconds(campaign) == 5.5 + 15.6


def test_scenarios_that_use_the_same_thing_add_up_within_their_phase():
    campaign = SimpleNamespace(
        results={"a": _result(5000, 500), "b": _result(1000, 500, ramp_ms=2000), "c": _result(4000, 500)},
        scenarios=[SimpleNamespace(name="a", uses=("executions",)), SimpleNamespace(name="b", uses=("executions",)),
                   SimpleNamespace(name="c", uses=("redis",))],
        phases=[["a", "b", "c"]])
    assert floor_seconds(campaign) == 5.5 + 3.5
