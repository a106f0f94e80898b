"""Scenario names init writes are unique, also where rules share an alert name (a warning and a critical rule)."""

from __future__ import annotations

from monsuite.scaffold.stack import _unique_names


def test_rules_of_one_name_get_scenarios_told_apart_by_severity_then_number():
    scenarios = [{"name": "disk-full", "labels": {"severity": "warning"}}, {"name": "disk-full", "labels": {"severity": "critical"}},
                 {"name": "disk-full", "labels": {"severity": "critical"}}, {"name": "api-down"}]
    _unique_names(scenarios)
    assert [s["name"] for s in scenarios] == ["disk-full", "disk-full-critical", "disk-full-2", "api-down"]
