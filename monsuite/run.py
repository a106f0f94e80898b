"""One run of monsuite, as Locust's Environment is one of Locust: built once from RunOptions by the command
line or the pytest plugin, it makes what the run uses (its stacks, with the alerting set-up and readiness
steps applied, and their alert campaigns); runners (nightly, campaign repeats, live mutants, load, the
metrics and dashboards checks, the benchmarks) take a Run instead of assembling their own."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from monsuite.alerts import setup
from monsuite.manifest import StackManifest, load_manifest
from monsuite.options import RunOptions
from monsuite.readiness import Usable
from monsuite.stack import Stack, StartStep


class Run:
    def __init__(self, options: RunOptions, *, log: Callable[[str], None] | None = None):
        self.options = options
        self.log = log or (lambda message: None)
        self.manifest: StackManifest = load_manifest(options.stack)

    @classmethod
    def of(cls, stack: str = "default", *, runtime: str = "auto", profile: str = "ci",
           log: Callable[[str], None] | None = None, **options) -> "Run":
        """A run with the given settings and every other option at its default (benchmarks, runners)."""
        return cls(RunOptions(stack=stack, runtime=runtime, profile=profile, **options), log=log)

    @property
    def steps(self) -> list[StartStep]:
        """What every stack of the run gets around its components: the alerting set-up, then readiness."""
        artifacts = Path(self.options.report_dir) if self.options.report_dir else None
        return [*setup.steps(artifacts), Usable()]

    def new_stack(self) -> Stack:
        """A stack of this run, not yet started (the caller starts and stops it)."""
        self.options.check_reachable()
        o = self.options
        return Stack(self.manifest, runtime=o.runtime, profile=o.profile, urls=o.urls, state_file=o.state_file,
                     log=self.log, steps=self.steps)

    def attach(self, state: dict, state_file: Path) -> Stack:
        """The stack `monsuite stack up` started (from its state file), used and left up."""
        return Stack.attach(state, state_file, log=self.log, steps=self.steps)

    @contextmanager
    def stack(self) -> Iterator[Stack]:
        """A stack of this run, started, and stopped on the way out whatever happens."""
        with self.new_stack() as started:
            yield started

    def campaign(self, stack: Stack, *, scenarios=None, rules=None, log: Callable[[str], None] | None = None,
                 progress=None, shards: int | None = None):
        """The alert campaign of the run's stack (its scenarios and rules unless given). With more than one
        shard (the run's --campaign-shards unless given), the further shards are stacks of this run that
        the campaign starts, and stops when it ends."""
        from monsuite.alerts.campaign import Campaign
        from monsuite.alerts.scenarios import load_for_stack
        from monsuite.alerts.shards import ShardedCampaign

        if scenarios is None:
            scenarios, rules = load_for_stack(self.manifest)
        log = self.log if log is None else log
        shards = self.options.campaign_shards if shards is None else shards
        cores = os.cpu_count() or 1
        if shards > cores:  # measured: three default stacks on two cores miss their budgets, two do not
            log(f"campaign: {shards} shards asked, {cores} on this machine (one stack per core keeps each stack's timing)")
            shards = cores
        if shards <= 1:
            return Campaign(stack, scenarios, rules, log=log, progress=progress)
        return ShardedCampaign(stack, scenarios, rules, count=shards, new_stack=self.stack, log=log, progress=progress)
