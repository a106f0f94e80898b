"""A known 31-day history for SLO tests: request counters with a chosen error ratio and an incident on a
chosen day, and a latency gauge that breaks its threshold during the incident; written into a TSDB with
promtool and served by a real Prometheus. The expected SLO numbers are computed here from the same data."""

from __future__ import annotations

import bisect
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from monsuite.history import write_blocks
from monsuite.ports import free_ports
from monsuite.waits import wait_until

STEP = 60  # one sample a minute
DAYS = 31
RATE = 10.0  # requests per second
ERROR_RATIO = 0.0004  # outside the incident
INCIDENT_DAY, INCIDENT_HOURS, INCIDENT_ERROR_RATIO = 20, 3, 0.02
LATENCY_OK, LATENCY_BAD = 0.3, 0.8


@dataclass
class History:
    end: float  # the last sample's time
    times: list[float]
    good: list[float]
    bad: list[float]
    latency: list[float]

    def error_ratio(self, at: float, window_s: float) -> float:
        """Increase of bad / increase of all requests over the samples in [at - window, at], as Prometheus'
        rate() ratio gives it (same timestamps in both series: the extrapolation cancels)."""
        inside = [i for i, t in enumerate(self.times) if at - window_s <= t <= at]
        first, last = inside[0], inside[-1]
        bad = self.bad[last] - self.bad[first]
        total = bad + self.good[last] - self.good[first]
        return bad / total

    def slice_miss_ratio(self, at: float, window_s: float, threshold: float) -> float:
        """The fraction of one-minute evaluation points in the window at which the latency was above the
        threshold (each point sees the latest sample at or before it)."""
        points = [t for t in range(int((at - window_s) // STEP * STEP), int(at) + 1, STEP) if at - window_s <= t <= at]
        missed = 0
        for point in points:
            index = bisect.bisect_right(self.times, point) - 1  # the latest sample at or before the point
            missed += index >= 0 and self.latency[index] > threshold
        return missed / len(points)


def generate(end: float) -> History:
    count = DAYS * 86400 // STEP
    start = end - (count - 1) * STEP
    incident_start = start + INCIDENT_DAY * 86400
    times, good, bad, latency = [], [], [], []
    good_total, bad_total = 1e9, 1e6  # large starting values: no extrapolation to zero at the window's start
    for index in range(count):
        t = start + index * STEP
        in_incident = incident_start <= t < incident_start + INCIDENT_HOURS * 3600
        ratio = INCIDENT_ERROR_RATIO if in_incident else ERROR_RATIO
        if index:
            good_total += RATE * STEP * (1 - ratio)
            bad_total += RATE * STEP * ratio
        times.append(t)
        good.append(good_total)
        bad.append(bad_total)
        latency.append(LATENCY_BAD if in_incident else LATENCY_OK)
    return History(end, times, good, bad, latency)


def openmetrics(history: History, series: tuple[str, ...] | None = None) -> str:
    lines = []
    if series is None or "demo_requests" in series:
        lines.append("# TYPE demo_requests counter")
        for name, values in (('demo_requests_total{code="200"}', history.good), ('demo_requests_total{code="500"}', history.bad)):
            lines += [f"{name} {v!r} {t:.3f}" for t, v in zip(history.times, values)]
    if series is None or "demo_latency_p95_seconds" in series:
        lines.append("# TYPE demo_latency_p95_seconds gauge")
        lines += [f"demo_latency_p95_seconds {v!r} {t:.3f}" for t, v in zip(history.times, history.latency)]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


class HistoryPrometheus:
    """A real Prometheus on the backfilled TSDB, stopped by its PID; `series`: only these metric families."""

    def __init__(self, directory: Path, series: tuple[str, ...] | None = None):
        self.end = (time.time() // STEP) * STEP - 30  # samples at :30, so no window boundary falls on one
        self.history = generate(self.end)
        data = directory / "data"
        write_blocks(openmetrics(self.history, series), data, what="the SLO test history")
        config = directory / "prometheus.yml"
        config.write_text("global: {scrape_interval: 1m}\n")
        self.port = free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(directory / "prometheus.log", "wb")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}", "--storage.tsdb.retention.time=90d",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(self._ready, timeout=120, what="Prometheus on the backfilled history ready")
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"Prometheus exited with {self.process.returncode}")
        try:
            return requests.get(f"{self.url}/-/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
