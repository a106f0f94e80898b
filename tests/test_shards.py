"""Spreading a campaign over stacks: which scenario runs on which shard, planned from the default stack's
own scenarios and the floors its rules and ci profile give them."""

from __future__ import annotations

import pytest

from monsuite.alerts.floors import floors_for, phase_ms
from monsuite.alerts.scenarios import load_for_stack
from monsuite.alerts.shards import plan
from monsuite.manifest import load_manifest
from monsuite.paths import shipped_stack
from monsuite.profiles import resolve_profile


@pytest.fixture(scope="module")
def default():
    manifest = load_manifest(shipped_stack("default"))
    scenarios, rules = load_for_stack(manifest)
    profile = resolve_profile(manifest, "ci")

    def estimate(scenario):
        floors = floors_for(scenario, rules[scenario.alert], profile)
        return floors.best_total_ms + floors.ramp_ms

    return scenarios, rules, profile, estimate


def shared_ms(shard, estimate) -> int:
    return phase_ms([s for s in shard if not s.exclusive and not s.consumes], estimate)


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_scenario_runs_on_exactly_one_shard(default, count):
    scenarios, rules, profile, _ = default
    shards = plan(scenarios, rules, profile, count)
    assert len(shards) == count
    assert sorted(s.name for shard in shards for s in shard) == sorted(s.name for s in scenarios)


def test_scenarios_that_share_a_counter_are_spread_and_the_shared_phase_shortens(default):
    scenarios, rules, profile, estimate = default
    counters = {s.name for s in scenarios if "executions" in s.uses}
    assert len(counters) >= 3, "the default stack's scenarios that read the executions counters"
    shards = plan(scenarios, rules, profile, 3)
    assert all(len(counters & {s.name for s in shard}) == 1 for shard in shards)
    one_stack = shared_ms(scenarios, estimate)
    sharded = max(shared_ms(shard, estimate) for shard in shards)
    assert sharded < one_stack * 0.6, (sharded, one_stack)


def test_consumers_stay_on_the_first_shard_and_exclusive_ones_go_to_the_others(default):
    scenarios, rules, profile, _ = default
    shards = plan(scenarios, rules, profile, 3)
    consumers = {s.name for s in scenarios if s.consumes and not s.exclusive}
    assert consumers and consumers <= {s.name for s in shards[0]}
    assert not any(s.exclusive for s in shards[0]) and all(any(s.exclusive for s in shard) for shard in shards[1:])


def test_a_run_asks_no_more_shards_than_the_machine_has_cores(default, monkeypatch):
    """Measured: three default stacks on two cores miss their budgets, two keep every verdict."""
    from types import SimpleNamespace

    from monsuite.alerts.shards import ShardedCampaign
    from monsuite.run import Run

    scenarios, rules, profile, _ = default
    stack = SimpleNamespace(profile_values=profile, first_url=lambda kind: "http://127.0.0.1:9", usable_seconds=0)
    said = []
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    campaign = Run.of("default", campaign_shards=4).campaign(stack, scenarios=scenarios, rules=rules, log=said.append)
    assert isinstance(campaign, ShardedCampaign) and len(campaign.plan) == 2
    assert said == ["campaign: 4 shards asked, 2 on this machine (one stack per core keeps each stack's timing)"]
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert not isinstance(Run.of("default", campaign_shards=4).campaign(stack, scenarios=scenarios, rules=rules,
                                                                        log=said.append), ShardedCampaign)
