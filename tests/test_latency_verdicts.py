"""Latency verdicts: the budget (strict as written, compressed only where time compresses) and the worst case."""

from __future__ import annotations

from monsuite.alerts.campaign import ScenarioResult, budget_problems, worst_case_problems
from monsuite.alerts.floors import Floors


def floors(group_wait_ms: int, budget_ms: int, time_scale: float) -> Floors:
    return Floors(scrape_ms=250, evaluation_ms=250, for_ms=0, group_wait_ms=group_wait_ms, ramp_ms=0, delay_ms=0,
                  budget_ms=budget_ms, time_scale=time_scale)


def test_as_written_the_budget_holds_strictly():
    assert budget_problems(floors(10_000, 30_000, 1), 29_999, machine_ms=5_000) == []
    assert budget_problems(floors(10_000, 30_000, 1), 30_001, machine_ms=5_000) == [
        "firing -> delivered 30001 ms > budget 30000 ms"]


def test_compressed_the_machines_measured_latency_is_added():
    compressed = floors(167, 500, 60)
    assert budget_problems(compressed, 864, machine_ms=700) == []
    assert budget_problems(compressed, 1201, machine_ms=700) == [
        "firing -> delivered 1201 ms > budget 500 ms (1/60 of the target) + 700 ms the machine adds"]


def test_compressed_a_group_wait_longer_than_the_budget_fails_whatever_was_measured():
    assert budget_problems(floors(1_667, 500, 60), 300, machine_ms=700) == [
        "group_wait 1667 ms alone exceeds the budget 500 ms (1/60 of the target)"]


def test_no_delivery_is_judged_elsewhere():
    assert budget_problems(floors(167, 500, 60), None, machine_ms=0) == []


def scenario_result(times: dict, failed: list[str]) -> ScenarioResult:
    floors = Floors(scrape_ms=250, evaluation_ms=250, for_ms=15_000, group_wait_ms=167, ramp_ms=2_000, delay_ms=0,
                    budget_ms=500, time_scale=60)
    return ScenarioResult("disk", "DiskFull", times=times, floors=floors, failed_scrapes=failed)


# the expression first true at +1 s, its `for` restarted at +14.8 s, delivered at +30 s (as measured on a busy runner)
LATE = {"fault_in_place": 100.0, "first_pending": 101.0, "active": 114.8, "delivered": {"infra": 130.0}}


def test_a_late_delivery_without_failed_scrapes_fails_the_worst_case():
    problems = worst_case_problems(scenario_result(LATE, []), 3_600, "canary")
    assert len(problems) == 1 and problems[0].startswith("fault in place -> delivered 30000 ms > worst case")


def test_a_for_restarted_by_a_failed_scrape_is_judged_from_the_restart():
    assert worst_case_problems(scenario_result(LATE, ["pushgateway/127.0.0.1:9091"]), 3_600, "canary") == []


def test_after_a_failed_scrape_both_detection_and_notification_are_still_judged():
    slow = {**LATE, "first_pending": 110.0, "delivered": {"infra": 140.0}}
    problems = worst_case_problems(scenario_result(slow, ["demo/127.0.0.1:8000"]), 3_600, "canary")
    assert [p.split(" ms > ")[0] for p in problems] == [
        "fault in place -> expression true 10000",
        "pending (restarted after failed scrapes of demo/127.0.0.1:8000) -> delivered 25200"]
