"""Verdicts still mean "your monitoring is broken" when it is: on a live Prometheus and Alertmanager,
a route whose group_wait is 10x the configured one, a `for` twice what the scenario's user expects and a
missing route each fail their scenario for that reason, while a correct control beside them passes.
The allowances that precision checks use are measured by the canary in the same run."""

from __future__ import annotations

from pathlib import Path

import pytest

from monsuite.alerts.campaign import Campaign
from monsuite.alerts.scenarios import load_for_stack
from monsuite.manifest import load_manifest
from monsuite.run import Run

pytestmark = [pytest.mark.live, pytest.mark.slow]

STACK = Path(__file__).resolve().parent / "data" / "stacks" / "wrong-configs"


@pytest.fixture(scope="module")
def campaign():
    manifest = load_manifest(STACK)
    scenarios, rules = load_for_stack(manifest)
    stack = Run.of(str(manifest.directory), runtime="auto", profile="ci").new_stack()
    try:
        stack.start()
        run = Campaign(stack, scenarios, rules)
        run.run()
        yield run
    finally:
        stack.stop()


def problems_of(campaign, name: str) -> str:
    return "; ".join(campaign.results[name].problems)


def test_allowances_come_from_the_canary(campaign):
    assert campaign.allowances.source == "canary", campaign.allowances.why
    assert len(campaign.allowances.samples) >= 4
    assert "run-queue waits of alertmanager" in campaign.allowances.why, campaign.allowances.why
    assert "sinks" in campaign.allowances.why, campaign.allowances.why


def test_the_correct_control_passes(campaign):
    result = campaign.results["control"]
    assert result.status == "passed", problems_of(campaign, "control")


def test_group_wait_ten_times_the_configured_one_fails_the_pipeline_check(campaign):
    result = campaign.results["slow-group"]
    assert result.status == "failed"
    assert "-> delivered" in problems_of(campaign, "slow-group") and "> group_wait 200 ms +" in problems_of(campaign, "slow-group")
    # Alertmanager sat idle through the long group_wait: its CPU waits (after waking, on a busy machine a few
    # hundred ms) stay well under the 1800 ms the misconfiguration adds, so they cannot excuse it
    assert result.allowance_ms["cpu_wait"] < 9 * result.floors.group_wait_ms / 2, result.allowance_ms


def test_a_doubled_for_misses_the_users_notification_target(campaign):
    result = campaign.results["for-doubled"]
    assert result.status == "failed"
    assert "notify_within 3500 ms" in problems_of(campaign, "for-doubled")


def test_a_missing_route_delivers_to_the_wrong_receiver(campaign):
    result = campaign.results["unrouted"]
    assert result.status == "failed"
    text = problems_of(campaign, "unrouted")
    assert "no firing notification" in text and "['team']" in text
    assert result.unexpected_receivers == ["fallback"]
