"""The series that make an alert expression hold, found from its AST; refusals say why."""

from __future__ import annotations

import pytest

from monsuite.scaffold.solve import Unsupported, solve


def pushed(expr: str, **kwargs) -> dict:
    return {s["name"]: s for s in solve(expr, **kwargs).series}


@pytest.mark.parametrize("expr, name, field, check", [
    ("redis_up == 0", "redis_up", "value", lambda v: v == 0),
    ("node_load1 > 4", "node_load1", "value", lambda v: v > 4),
    ("0.5 < x", "x", "value", lambda v: v > 0.5),
    ("rate(errors_total[5m]) > 2", "errors_total", "rate", lambda r: r > 2),
    ("max_over_time(temp[10m]) >= 70", "temp", "value", lambda v: v >= 70),
    ("time() - last_backup_seconds > 86400", "last_backup_seconds", "value", lambda v: v < 1e9),
])
def test_one_metric_gets_a_value_that_makes_the_rule_hold(expr, name, field, check):
    assert check(pushed(expr)[name][field])


def test_a_ratio_of_two_metrics_gets_values_for_both():
    series = pushed("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < 10")
    assert series["node_memory_MemAvailable_bytes"]["value"] / series["node_memory_MemTotal_bytes"]["value"] * 100 < 10


def test_increase_holds_also_over_the_time_compressed_window():
    rate = pushed("increase(rejected_total[1m]) > 5", time_scale=60)["rejected_total"]["rate"]
    assert rate * 60 > 5 and rate * 1 > 5  # 1m as written, 1s in a profile 60x faster


def test_equality_matchers_become_labels_and_negative_ones_are_left_out():
    series = pushed('node_filesystem_avail_bytes{mountpoint="/", fstype!~"tmpfs"} < 1000')
    assert series["node_filesystem_avail_bytes"]["labels"] == {"mountpoint": "/"}


def test_an_aggregation_that_drops_instance_is_reported():
    assert not solve("sum(x) > 1").keeps_instance
    assert solve("sum by (instance) (x) > 1").keeps_instance and solve("x > 1").keeps_instance


def test_values_that_would_fire_another_rule_are_avoided():
    solution = solve("clients / maxclients * 100 > 90", avoid=["clients < 5"])
    assert solution.collateral == ()
    assert {s["name"]: s["value"] for s in solution.series}["clients"] >= 5


@pytest.mark.parametrize("expr, why", [
    ('absent(up{job="x"})', "holds while its series are absent"),
    ("(count(x) or vector(0)) < 1", "holds while its series are absent"),
    ('x{job="api"} > 1', "matches job"),
    ("x offset 1h > 1", "offset"),
    ("histogram_quantile(0.9, rate(h_bucket[5m])) > 1", "histogram_quantile"),
    ("count(x) > 1", "no value"),
    ("rate(", "does not parse"),
])
def test_what_cannot_be_solved_is_refused_with_the_reason(expr, why):
    with pytest.raises(Unsupported, match=why):
        solve(expr)
