"""Run Locust headless in its own process (its gevent patching and pytest plugin stay out of ours)
and read its final statistics from the JSON it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from monsuite.errors import UserError
from monsuite.load.scenario import LoadScenario
from monsuite.paths import shipped_loadtests

LOCUSTFILE = shipped_loadtests() / "locustfile.py"


@dataclass
class EndpointStats:
    method: str
    name: str
    requests: int
    failures: int
    response_times: dict[int, int]  # rounded milliseconds -> count, as Locust keeps them
    started: float
    last: float


@dataclass
class LoadResult:
    scenario: LoadScenario
    endpoints: list[EndpointStats]
    wall_seconds: float

    @property
    def requests(self) -> int:
        return sum(e.requests for e in self.endpoints)

    @property
    def failures(self) -> int:
        return sum(e.failures for e in self.endpoints)

    @property
    def rps(self) -> float:
        if not self.endpoints:
            return 0.0
        span = max(e.last for e in self.endpoints) - min(e.started for e in self.endpoints)
        return self.requests / span if span > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        counts: dict[int, int] = {}
        for endpoint in self.endpoints:
            for ms, count in endpoint.response_times.items():
                counts[ms] = counts.get(ms, 0) + count
        total = sum(counts.values())
        if not total:
            return 0.0
        rank, seen = q * total, 0
        for ms in sorted(counts):
            seen += counts[ms]
            if seen >= rank:
                return float(ms)
        return float(max(counts))


def run_locust(scenario: LoadScenario, host: str, *, pushgateway: str | None = None, locustfile: Path = LOCUSTFILE,
               timeout_margin: float = 60, progress: Callable[[float, float], None] | None = None) -> LoadResult:
    """Run Locust headless and read its JSON stats; `progress(elapsed, planned)` is told every second."""
    if urlparse(host).hostname != "127.0.0.1":
        raise UserError(f"--host {host}: load is only ever sent to 127.0.0.1")
    env = {**os.environ}
    if scenario.shape:
        env.update(MONSUITE_SHAPE=scenario.shape, MONSUITE_SHAPE_SECONDS=str(scenario.seconds),
                   MONSUITE_SHAPE_USERS=str(scenario.users))
    if pushgateway:
        env["MONSUITE_PUSHGATEWAY"] = pushgateway
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", host,
               "-u", str(scenario.users), "-r", str(scenario.spawn_rate), "-t", f"{scenario.seconds:g}s",
               "--stop-timeout", "5", "--json", "--skip-log", "--only-summary", "--exit-code-on-error", "0"]
    started = time.perf_counter()
    proc = _run_with_progress(command, env, scenario.seconds + timeout_margin, scenario.seconds, progress)
    wall = time.perf_counter() - started
    try:
        stats = json.loads(proc.stdout)
    except ValueError:
        raise UserError(f"Locust did not finish ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-500:]}") from None
    endpoints = [EndpointStats(e["method"], e["name"], e["num_requests"], e["num_failures"],
                               {int(ms): count for ms, count in e["response_times"].items()},
                               e["start_time"], e["last_request_timestamp"] or e["start_time"]) for e in stats]
    return LoadResult(scenario, endpoints, wall)


def _run_with_progress(command: list[str], env: dict, timeout: float, planned: float,
                       progress: Callable[[float, float], None] | None) -> subprocess.CompletedProcess:
    """subprocess.run with a progress callback; the process (Locust) is stopped by its PID on timeout or Ctrl-C."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    started = time.monotonic()
    try:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=1)
                return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                if elapsed > timeout:
                    raise UserError(f"Locust did not finish within {timeout:g}s") from None
                if progress:
                    progress(elapsed, planned)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
