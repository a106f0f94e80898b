"""The alerting set-up a run applies to a stack it starts (monsuite.run composes these steps): rules
time-scaled for the profile, kept as the run's artifacts, the scenarios' history written into each
Prometheus before it starts, and the pipeline canary installed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from monsuite.alerts import canary
from monsuite.history import backfill
from monsuite.rules.scale import scale_rule_text
from monsuite.runtimes.registry import runtime_of
from monsuite.stack import Stack, StartStep
from monsuite.timescale import parse_ms


class RuleScaling(StartStep):
    """Rules divided by the profile's time scale as they are rendered (monsuite.rules.scale)."""

    def transforms(self, stack: Stack) -> dict:
        scale = stack.profile_values["time_scale"]
        if scale == 1:
            return {}
        return {path: (lambda text, path=path: scale_rule_text(text, scale, path)) for path in stack.rule_files()}


class RulesAsArtifacts(StartStep):
    """The rules exactly as Prometheus loads them (scaled in a compressed profile), for the user to see."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def prepare(self, stack: Stack, context: dict) -> None:
        target = self.directory / f"rules-{stack.profile}"
        shutil.rmtree(target, ignore_errors=True)
        for source in stack.rule_files():
            relative = source.relative_to(stack.manifest.directory)
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stack.run_dir / "config" / relative, destination)


class ScenarioHistory(StartStep):
    """The past that scenarios' rules read (history:), written into each Prometheus started here."""

    def prepare(self, stack: Stack, context: dict) -> None:
        if not stack.manifest.scenarios:
            return
        from monsuite.alerts.scenarios import load_for_stack

        histories = [s.history for s in load_for_stack(stack.manifest)[0] if s.history is not None]
        if not histories:
            return
        step = parse_ms(stack.profile_values["scrape_interval"]) / 1000
        for name in stack.started_components("prometheus"):
            samples = backfill(histories, Path(context["components"][name]["data_dir"]), end=time.time(),
                               scale=stack.profile_values["time_scale"], step_seconds=step)
            stack.log(f"{name}: {samples} samples of scenario history written before the start")


class PipelineCanary(StartStep):
    """The pipeline canary (monsuite.alerts.canary) where monsuite runs Prometheus, Alertmanager and the sinks."""

    def prepare(self, stack: Stack, context: dict) -> None:
        started = {stack.manifest.components[n].kind: c for n, c in context["components"].items()
                   if runtime_of(c["runtime"]).starts}
        if not {"prometheus", "alertmanager", "sink"} <= set(started) or not stack.manifest.canary:
            return
        settings = canary.CanarySettings.for_profile(stack.profile_values)
        sink = started["sink"]
        if canary.install(stack.run_dir / "config", settings, sink["url"], sink["ports"].get("smtp")):
            stack.canary = settings

    def attached(self, stack: Stack) -> None:
        if stack.run_dir and (stack.run_dir / "config" / canary.RULE_FILE).is_file():
            stack.canary = canary.CanarySettings.for_profile(stack.profile_values)


def steps(artifacts_dir: Path | None) -> list[StartStep]:
    return [RuleScaling(), *([RulesAsArtifacts(artifacts_dir)] if artifacts_dir else []), ScenarioHistory(),
            PipelineCanary()]
