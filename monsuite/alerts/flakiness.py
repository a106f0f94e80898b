"""The alert campaign run N times, on one stack start or on fresh starts, optionally with a bounded CPU
load beside it: per scenario, how often it passed and the distribution of each stage across runs."""

from __future__ import annotations

import math
import shutil
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from monsuite.alerts.progress import Progress
from monsuite.alerts.report import COLUMNS
from monsuite.alerts.scenarios import load_for_stack
from monsuite.errors import UserError
from monsuite.processes import stop_process
from monsuite.runtimes.process import spawn

STRESS_MAX_SECONDS = 3600  # the background load stops by itself even if nothing stops it
STAGES = tuple(key for key, _ in COLUMNS) + ("firing_to_delivered",)


@dataclass
class Repetitions:
    stack: str
    profile: str
    mode: str  # "one stack" or "fresh starts"
    stress: str  # "" or the stress command that ran beside the campaigns
    runs: list[dict] = field(default_factory=list)  # one campaign body (as alerts.json) per repetition

    def summary(self) -> dict:
        scenarios: dict[str, dict] = {}
        for run in self.runs:
            for result in run["scenarios"]:
                entry = scenarios.setdefault(result["scenario"], {"alert": result["alert"], "runs": 0, "passed": 0,
                                                                  "skipped": 0, "failures": [], "stages": {}})
                entry["runs"] += 1
                entry["passed"] += result["status"] == "passed"
                entry["skipped"] += result["status"] == "skipped"
                if result["status"] == "failed":
                    entry["failures"].append({"run": run["repetition"], "problems": result["problems"]})
                for stage in STAGES:
                    value = result["stages_ms"].get(stage)
                    if value is not None:
                        entry["stages"].setdefault(stage, []).append(value)
        for entry in scenarios.values():
            entry["pass_rate"] = round(entry["passed"] / (entry["runs"] - entry["skipped"]), 4) if entry["runs"] > entry["skipped"] else None
            entry["stages"] = {stage: distribution(values) for stage, values in entry["stages"].items()}
        return {
            "stack": self.stack, "profile": self.profile, "mode": self.mode, "stress": self.stress,
            "repetitions": len(self.runs),
            "campaign_seconds": distribution([run["seconds"] for run in self.runs]),
            "allowances": [run["allowances"] for run in self.runs],
            "all_passed": all(e["passed"] + e["skipped"] == e["runs"] for e in scenarios.values()) and bool(self.runs),
            "scenarios": scenarios,
        }


def distribution(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1), "p95": round(_quantile(ordered, 0.95), 1),
            "max": round(ordered[-1], 1), "min": round(ordered[0], 1), "values": ordered}


def _quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile: with few runs, a value that was observed."""
    index = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


@contextmanager
def cpu_stress(enabled: bool, log: Callable[[str], None]):
    """A bounded CPU load on one core (stress-ng), stopped by its PID."""
    if not enabled:
        yield ""
        return
    binary = shutil.which("stress-ng")
    if binary is None:
        raise UserError("--stress needs stress-ng (Debian: apt-get install stress-ng)")
    command = [binary, "--cpu", "1", "--timeout", f"{STRESS_MAX_SECONDS}s", "--quiet"]
    proc = spawn(command)
    log(f"stress: {' '.join(command)} (PID {proc.pid})")
    try:
        yield " ".join(command)
    finally:
        stop_process(proc)  # stress-ng stops its workers on SIGTERM


def repeat(run, *, repetitions: int, fresh: bool, stress: bool, log: Callable[[str], None],
           on_run: Callable[[dict], None] = lambda body: None,
           progress: Callable[[], Progress] | None = None) -> Repetitions:
    """The run's alert campaign ``repetitions`` times (run: a monsuite.run.Run), on one stack or each on a
    fresh one."""
    from monsuite.alerts.report import campaign_body

    manifest, profile = run.manifest, run.options.profile
    scenarios, rules = load_for_stack(manifest)
    if not scenarios:
        raise UserError(f"{manifest.path}: the stack declares no scenarios to repeat")
    result = Repetitions(manifest.name, profile, "fresh starts" if fresh else "one stack", "")

    def campaign_on(stack, index: int) -> None:
        campaign = run.campaign(stack, scenarios=scenarios, rules=rules, log=lambda message: None,
                                progress=progress() if progress else None)
        campaign.run()
        body = {**campaign_body(campaign), "repetition": index}
        result.runs.append(body)
        failed = [r["scenario"] for r in body["scenarios"] if r["status"] == "failed"]
        log(f"repetition {index}/{repetitions}: campaign {campaign.seconds:.1f}s, "
            f"{len(body['scenarios']) - len(failed)}/{len(body['scenarios'])} scenarios passed"
            + (f"; failed: {', '.join(failed)}" if failed else ""))
        on_run(body)

    with cpu_stress(stress, log) as command:
        result.stress = command
        if fresh:
            for index in range(1, repetitions + 1):
                stack = run.new_stack()
                started = time.monotonic()
                try:
                    stack.start()
                    log(f"repetition {index}: stack usable after {time.monotonic() - started:.1f}s")
                    campaign_on(stack, index)
                finally:
                    stack.stop()
        else:
            stack = run.new_stack()
            try:
                stack.start()
                for index in range(1, repetitions + 1):
                    campaign_on(stack, index)
            finally:
                stack.stop()
    return result
