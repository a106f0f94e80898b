"""Run Locust headless in its own process (its gevent patching and pytest plugin stay out of ours)
and read its final statistics from the JSON it prints. With workers, Locust's own distributed mode:
a master and N worker processes on this machine; the master aggregates and prints the statistics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from monsuite.clients.http import redacted
from monsuite.errors import UserError
from monsuite.load.scenario import LoadScenario
from monsuite.paths import shipped_loadtests
from monsuite.ports import free_port
from monsuite.processes import stop_process
from monsuite.runtimes.process import spawn

LOCUSTFILE = shipped_loadtests() / "locustfile.py"
MAX_WORKERS = 64
WORKERS_CONNECT_SECONDS = 60  # how long the master waits for every worker (each imports Locust first)
# A headless master quits at the end of its run time and gives its workers' final reports half a second to
# arrive: on a busy machine one comes later and its whole traffic is missing from the aggregate. With
# --autostart the master stops the workers first and quits this long after (two of Locust's 3 s report
# intervals), so every worker's last report is in.
WORKERS_LAST_REPORT_SECONDS = 6


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
    workers: int = 0  # 0: one Locust process

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


def check_host(host: str) -> None:
    if urlparse(host).hostname != "127.0.0.1":
        raise UserError(f"--host {redacted(host)}: load is only ever sent to 127.0.0.1")


def check_workers(count: int, least: int = 0) -> None:
    if not least <= count <= MAX_WORKERS:
        raise UserError(f"--workers {count}: give a number from {least}{' (one Locust process)' if not least else ''} "
                        f"to {MAX_WORKERS}")


def run_locust(scenario: LoadScenario, host: str, *, pushgateway: str | None = None, locustfile: Path = LOCUSTFILE,
               timeout_margin: float = 60, progress: Callable[[float, float], None] | None = None,
               workers: int = 0, env: dict[str, str] | None = None) -> LoadResult:
    """Run Locust headless and read its JSON stats; `progress(elapsed, planned)` is told every second.
    workers > 0: a master and that many worker processes (Locust's distributed mode)."""
    check_host(host)
    check_workers(workers)
    env = {**os.environ, **(env or {})}
    if scenario.shape:
        env.update(MONSUITE_SHAPE=scenario.shape, MONSUITE_SHAPE_SECONDS=str(scenario.seconds),
                   MONSUITE_SHAPE_USERS=str(scenario.users))
    if pushgateway:
        env["MONSUITE_PUSHGATEWAY"] = pushgateway
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--host", host,
               "-u", str(scenario.users), "-r", str(scenario.spawn_rate), "-t", f"{scenario.seconds:g}s",
               "--stop-timeout", "5", "--json", "--skip-log", "--only-summary", "--exit-code-on-error", "0"]
    started = time.perf_counter()
    with _Workers(workers, locustfile, env) as pool:
        command += pool.run_options + pool.master_options
        proc = _run_with_progress(command, env, scenario.seconds + timeout_margin + pool.connect_allowance,
                                  scenario.seconds, progress)
        wall = time.perf_counter() - started
        try:
            stats = json.loads(proc.stdout)
        except ValueError:
            detail = (proc.stderr or proc.stdout).strip()[-500:] + pool.errors()
            raise UserError(f"Locust did not finish ({proc.returncode}): {detail}") from None
    endpoints = [EndpointStats(e["method"], e["name"], e["num_requests"], e["num_failures"],
                               {int(ms): count for ms, count in e["response_times"].items()},
                               e["start_time"], e["last_request_timestamp"] or e["start_time"]) for e in stats]
    return LoadResult(scenario, endpoints, wall, workers)


class _Workers:
    """Locust worker processes for a master on 127.0.0.1; each stopped by its PID on the way out."""

    def __init__(self, count: int, locustfile: Path, env: dict[str, str]):
        self.count, self.locustfile, self.env = count, locustfile, env
        self.processes: list[subprocess.Popen] = []
        self.logs: list = []
        self.port = free_port() if count else None

    @property
    def master_options(self) -> list[str]:
        if not self.count:
            return []
        return ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(self.port),
                "--expect-workers", str(self.count), "--expect-workers-max-wait", str(WORKERS_CONNECT_SECONDS)]

    @property
    def connect_allowance(self) -> float:
        return WORKERS_CONNECT_SECONDS + WORKERS_LAST_REPORT_SECONDS if self.count else 0

    @property
    def run_options(self) -> list[str]:
        """--headless alone; a master runs its (local-only) web UI so that it can stop before it quits."""
        if not self.count:
            return ["--headless"]
        return ["--autostart", "--autoquit", str(WORKERS_LAST_REPORT_SECONDS),
                "--web-host", "127.0.0.1", "--web-port", str(free_port())]

    def __enter__(self) -> "_Workers":
        try:
            for _ in range(self.count):
                log = tempfile.TemporaryFile(mode="w+")
                self.logs.append(log)
                self.processes.append(spawn(
                    [sys.executable, "-m", "locust", "-f", str(self.locustfile), "--worker", "--master-host", "127.0.0.1",
                     "--master-port", str(self.port)], stderr=log, env=self.env, own_group=False))
        except BaseException as exc:
            self.__exit__(type(exc))
            raise
        return self

    def errors(self) -> str:
        """The last lines of the first worker that failed, to explain a master that gave up."""
        for proc, log in zip(self.processes, self.logs):
            if proc.poll() not in (None, 0):
                log.seek(0)
                return f" (a worker exited {proc.returncode}: {log.read().strip()[-300:]})"
        return ""

    def __exit__(self, kind=None, *exc) -> None:
        for proc in self.processes:
            # after a finished run a worker quits by itself once its master says so
            stop_process(proc, grace=0 if kind else 10, terminate=False)
        for log in self.logs:
            log.close()


def _run_with_progress(command: list[str], env: dict, timeout: float, planned: float,
                       progress: Callable[[float, float], None] | None) -> subprocess.CompletedProcess:
    """subprocess.run with a progress callback; the process (Locust) is stopped by its PID on timeout or Ctrl-C."""
    proc = spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, own_group=False)
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
