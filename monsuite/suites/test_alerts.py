"""Every alert rule of the stack, proven live: its scenario's fault makes it fire with the right labels
and rendered annotations, it reaches exactly its receivers within its latency budget, and it resolves.

The scenarios run once per session, concurrently where they cannot disturb each other (see
stacks/<name>/scenarios.yaml); each test below reports one scenario's verdict.
"""

from __future__ import annotations

import pytest

from monsuite.alerts.campaign import coverage
from monsuite.alerts.report import COLUMNS

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_alert_scenario(alert_campaign, scenario_name):
    result = alert_campaign.results[scenario_name]
    if result.status == "skipped":
        pytest.skip(f"scenario {scenario_name}: {result.reason}")
    stages = result.stage_ms()
    detail = ", ".join(f"{title}={stages[key]}" for key, title in COLUMNS)
    assert not result.problems, f"{scenario_name} ({result.alert}): " + "; ".join(result.problems) + f" [stages ms: {detail}]"


def test_every_alert_rule_has_a_passing_scenario(alert_campaign):
    cov = coverage(alert_campaign.results, alert_campaign.rules)
    assert cov["alerts_defined"] > 0, "the stack defines no alert rules"
    assert not cov["without_passing_scenario"], (
        f"alert coverage {cov['alerts_exercised']}/{cov['alerts_defined']}: no passing live scenario for "
        + ", ".join(cov["without_passing_scenario"]))
