"""One campaign over several stacks of the same manifest (shards), so that it takes about its longest
group of scenarios instead of their sum.

On one stack, scenarios that `use` the same thing (the executions counters, a component they stop) run one
after another. Each shard is a stack of its own, so such scenarios are spread over the shards and run side
by side. The exclusive ones disturb only their own stack: they run on the further shards while the first
one is done with its share. What every stack shares stays apart: a scenario that `consumes` a host resource
(CPU, memory, disk) runs last, on the first shard, once the further shards' stacks are stopped, so that it
gets the machine as it would on one stack.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Callable

from monsuite.alerts.campaign import Campaign, ScenarioResult
from monsuite.alerts.floors import floors_for, phase_ms
from monsuite.alerts.progress import Progress
from monsuite.alerts.scenarios import Scenario
from monsuite.rules.model import Rule


def kind(scenario: Scenario) -> str:
    """When a scenario runs in a sharded campaign: "shared", "exclusive" or "consumes"."""
    return "exclusive" if scenario.exclusive else "consumes" if scenario.consumes else "shared"


def plan(scenarios: list[Scenario], rules: dict[str, Rule], profile: dict, count: int) -> list[list[Scenario]]:
    """The scenarios of each shard. Shared scenarios go, longest first, to the shard whose phase they
    lengthen least (a phase lasts as long as its longest scenario or its longest chain of scenarios that
    use one thing); consumers to the first shard; exclusive ones to the further shard with the least of them
    (to the first where there is no other)."""
    def estimate(scenario: Scenario) -> int:
        rule = rules.get(scenario.alert)
        if rule is None:
            return 0
        floors = floors_for(scenario, rule, profile)
        return floors.best_total_ms + floors.ramp_ms

    shards: list[list[Scenario]] = [[] for _ in range(max(1, count))]
    for scenario in sorted((s for s in scenarios if kind(s) == "shared"), key=estimate, reverse=True):
        target = min(range(len(shards)), key=lambda i: (phase_ms([*shards[i], scenario], estimate), len(shards[i]), i))
        shards[target].append(scenario)
    shards[0].extend(s for s in scenarios if kind(s) == "consumes")
    exclusive_ms = [0] * len(shards)
    further = range(1, len(shards)) if len(shards) > 1 else range(1)
    for scenario in sorted((s for s in scenarios if kind(s) == "exclusive"), key=estimate, reverse=True):
        target = min(further, key=lambda i: (exclusive_ms[i], i))
        shards[target].append(scenario)
        exclusive_ms[target] += estimate(scenario)
    order = {s.name: i for i, s in enumerate(scenarios)}
    return [sorted(shard, key=lambda s: order[s.name]) for shard in shards]


class ShardedCampaign:
    """The campaigns of the shards, run as one: shared scenarios on every shard side by side, then the
    exclusive ones (further shards side by side), then, with the further stacks stopped, the consumers on
    the first. Reports as one campaign."""

    def __init__(self, stack, scenarios: list[Scenario], rules: dict[str, Rule], *, count: int,
                 new_stack: Callable, log=lambda message: None, progress: Progress | None = None):
        """``new_stack``: a context manager that starts one more stack of the run and stops it on the way out."""
        self.plan = [shard for shard in plan(scenarios, rules, stack.profile_values, count) if shard] or [[]]
        self.main = Campaign(stack, self.plan[0], rules, log=log)
        self.campaigns = [self.main]
        self.new_stack, self.log = new_stack, log
        self.progress = progress or Progress()
        self.phases: list[list[str]] = []
        self.seconds = 0.0
        self.ended_at = 0.0  # when the last scenario of any shard was done
        self.start_seconds = 0.0  # starting the further shards' stacks, before the campaign's clock starts

    @property
    def stack(self):
        return self.main.stack

    @property
    def rules(self) -> dict[str, Rule]:
        return self.main.rules

    @property
    def started_at(self) -> float:
        """When the first stack's campaign began (its stack is the session's `stack`)."""
        return self.main.started_at

    @property
    def allowances(self):
        return self.main.allowances

    @property
    def results(self) -> dict[str, ScenarioResult]:
        merged = {}
        for campaign in self.campaigns:
            merged.update(campaign.results)
        names = [s.name for campaign in self.campaigns for s in campaign.scenarios]
        order = {name: i for i, name in enumerate(names)}
        return dict(sorted(merged.items(), key=lambda item: order.get(item[0], len(order))))

    @property
    def floor_seconds(self) -> float:
        """The longest shard's shared phase, then the longest shard's exclusive ones, then every consumer."""
        def ran(campaign: Campaign, which: str) -> list[str]:
            return [s.name for s in campaign.scenarios if kind(s) == which and s.name in campaign.results]

        shared = max(c.phase_floor_ms(ran(c, "shared")) for c in self.campaigns)
        exclusive = max(sum(c.phase_floor_ms([n]) for n in ran(c, "exclusive")) for c in self.campaigns)
        consumers = sum(c.phase_floor_ms([n]) for c in self.campaigns for n in ran(c, "consumes"))
        return (shared + exclusive + consumers) / 1000

    def shard_summary(self) -> list[dict]:
        return [{"shard": i, "scenarios": [s.name for s in c.scenarios], "seconds": round(c.seconds, 2),
                 "allowances": c.allowances.why} for i, c in enumerate(self.campaigns)]

    def run(self) -> dict[str, ScenarioResult]:
        with ExitStack() as further_stacks:
            began = time.time()
            further = self._start_stacks(len(self.plan) - 1, further_stacks)
            self.start_seconds = time.time() - began
            self.campaigns = [self.main, *(Campaign(stack, shard, self.rules, log=self.log)
                                           for stack, shard in zip(further, self.plan[1:]))]
            for campaign in self.campaigns:
                campaign.progress = _Forwarded(self.progress)
            return self._run_campaigns(further_stacks)

    def _start_stacks(self, count: int, stacks: ExitStack) -> list:
        """``count`` further stacks, started side by side; each is stopped when ``stacks`` closes, also
        when another fails to start."""
        lock = threading.Lock()
        started = []

        def start(_):
            context = self.new_stack()
            stack = context.__enter__()
            with lock:
                stacks.push(context.__exit__)
                started.append(stack)

        if count:
            self.log(f"campaign: starting {count} further stack(s) for its shards")
            with ThreadPoolExecutor(count, thread_name_prefix="shard-stack") as pool:
                for future in [pool.submit(start, i) for i in range(count)]:
                    future.result()
        return started

    def _run_campaigns(self, further_stacks: ExitStack) -> dict[str, ScenarioResult]:
        started = time.time()
        self.progress.begin([s.name for c in self.campaigns for s in c.scenarios])
        runnables: list[list[Scenario]] = []
        try:
            runnables = [c.begin() for c in self.campaigns]
            shared = [[s for s in r if kind(s) == "shared"] for r in runnables]
            self.phases.append([s.name for phase in shared for s in phase])
            self._side_by_side(lambda c, scenarios: c.run_phase(scenarios) if scenarios else None, shared)
            exclusive = [[s for s in r if kind(s) == "exclusive"] for r in runnables]
            self.phases.append([s.name for phase in exclusive for s in phase])
            self._side_by_side(lambda c, scenarios: [c.run_phase([s]) for s in scenarios], exclusive)
            further = list(zip(self.campaigns, runnables))[1:]
            self._side_by_side(lambda c, runnable: c.finish(runnable), [r for _, r in further], [c for c, _ in further])
            further_stacks.close()  # what the consumers consume is the machine's: nothing else may run
            for scenario in (s for s in runnables[0] if kind(s) == "consumes"):
                self.phases.append([scenario.name])
                self.main.run_phase([scenario])
        except BaseException:
            for campaign in self.campaigns[:len(runnables)]:  # a finished one has nothing left to end
                campaign.abandon()
            self.progress.end()
            raise
        self.ended_at = time.time()
        self.seconds = self.ended_at - started
        self.progress.end()
        self.main.finish(runnables[0])
        self.phases = [phase for phase in self.phases if phase]
        return self.results

    def _side_by_side(self, work: Callable, per_campaign: list, campaigns: list | None = None) -> None:
        campaigns = self.campaigns if campaigns is None else campaigns
        if not campaigns:
            return
        with ThreadPoolExecutor(len(campaigns), thread_name_prefix="shard") as pool:
            futures = [pool.submit(work, c, items) for c, items in zip(campaigns, per_campaign)]
            for future in futures:
                future.result()


class _Forwarded(Progress):
    """A shard's view of the one progress display: stages and finishes go through, begin and end do not."""

    def __init__(self, target: Progress):
        self.target = target

    def stage(self, name: str, stage: str) -> None:
        self.target.stage(name, stage)

    def finished(self, name: str, status: str, seconds: float) -> None:
        self.target.finished(name, status, seconds)
