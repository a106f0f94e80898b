"""The SLO report's invariants catch a report that contradicts itself; numbers read as people write them."""

import pytest

from monsuite.slo.invariants import report_problems
from monsuite.slo.numbers import minutes, number, percent


def pair(long, short, factor, long_burn, short_burn, alerting, excluded=False):
    return {"long": long, "short": short, "factor": factor, "long_burn": long_burn, "short_burn": short_burn,
            "alerting": alerting, "excluded": excluded}


def slo(**changes):
    base = {"key": "svc/avail", "kind": "ratio", "objective": 0.999, "period": "30d", "verdict": "met", "sli": 1.0,
            "spent_ratio": 0.0, "remaining_ratio": 1.0, "budget_minutes": 43.2, "spent_minutes": 0.0,
            "remaining_minutes": 43.2, "notes": [],
            "burn_rates": [pair("1h", "5m", 14.4, 0, 0, False), pair("6h", "30m", 6.0, 0, 0, False),
                           pair("1d", "2h", 3.0, 0, 0, False), pair("3d", "6h", 1.0, 0, 0, False)]}
    base.update(changes)
    return {"slos": [base]}


def test_a_consistent_report_has_no_problem():
    assert report_problems(slo()) == []


def test_the_contradictions_of_a_report_are_named():
    factors_from_the_window = [pair("1h", "5m", 0.01, 0, 0, False), pair("6h", "30m", 0.004167, 0, 0, False),
                               pair("1d", "2h", 0.002083, 0.039, 0.04, True), pair("3d", "6h", 0.000694, 0, 0, False)]
    problems = report_problems(slo(burn_rates=factors_from_the_window))
    assert any("factor 0.01 is not the Workbook's 14.4" in p for p in problems)
    assert any("met with 100 % of the budget left, yet burn rates over a factor" in p for p in problems)
    silent = [pair("1h", "5m", 14.4, 0, 0, True), pair("6h", "30m", 6.0, 7, 8, True, excluded=True),
              pair("1d", "2h", 3.0, 0, 0, False), pair("3d", "6h", 1.0, 0, 0, False)]
    problems = report_problems(slo(burn_rates=silent, notes=["explained"]))
    assert "svc/avail: pair 1h/5m alerts without error events in both its windows" in problems
    assert "svc/avail: pair 6h/30m alerts though it touches an excluded interval" in problems
    assert report_problems(slo(sli=0.99)) == ["svc/avail: the SLI and the budget spent disagree"]


@pytest.mark.parametrize("value, text", [(0.30000000000000027, "0.3"), (27.93, "27.9"), (14.4, "14.4"), (6.0, "6"),
                                         (0.039, "0.039"), (0.0000123, "0.0000123"), (None, "-"), (0, "0")])
def test_numbers_read_as_people_write_them(value, text):
    assert number(value) == text


def test_percent_and_minutes():
    assert (percent(0.9996), percent(1.0), percent(None)) == ("99.96%", "100%", "-")
    assert minutes(0.30000000000000027) == "0.3 min"
