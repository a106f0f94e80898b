"""History a rule needs before the stack starts, written into Prometheus' TSDB as blocks.

A rule that compares with the past (`rate(x[1h] offset 1h)`) cannot fire until that past exists. Rather
than waiting for it, a scenario declares the series the past held (`history:` in scenarios.yaml) and
monsuite writes them with `promtool tsdb create-blocks-from openmetrics` into Prometheus' data
directory before Prometheus starts, one sample per scrape interval up to the start. The rule then runs
unchanged on the same TSDB; only the waiting is gone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.errors import UserError


@dataclass(frozen=True)
class HistorySeries:
    name: str  # a counter's name ends in _total; anything else is written as a gauge
    labels: dict = field(default_factory=dict)
    value: float = 0.0
    rate: float = 0.0  # growth per second


@dataclass(frozen=True)
class History:
    duration_ms: int  # real time; scaled with the profile
    series: tuple[HistorySeries, ...]


def openmetrics(histories: list[History], *, end: float, scale: float, step_seconds: float) -> str:
    """The OpenMetrics text promtool backfills: each series from `end - duration/scale` to `end`."""
    families: dict[str, list[str]] = {}
    for history in histories:
        seconds = history.duration_ms / 1000 / scale
        count = int(seconds / step_seconds) + 1
        for series in history.series:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(series.labels.items()))
            selector = f"{series.name}{{{labels}}}" if labels else series.name
            lines = families.setdefault(series.name, [])
            for index in range(count):
                timestamp = end - seconds + index * step_seconds
                # Rates are per second of wall time, as the live traffic's are: a profile compresses windows, not rates.
                value = series.value + series.rate * index * step_seconds
                lines.append(f"{selector} {value!r} {timestamp:.3f}")
    text = []
    for name, lines in families.items():
        family, kind = (name[: -len("_total")], "counter") if name.endswith("_total") else (name, "gauge")
        text.append(f"# TYPE {family} {kind}")
        text.extend(lines)
    text.append("# EOF")
    return "\n".join(text) + "\n"


def write_blocks(text: str, data_dir: Path, *, what: str) -> None:
    """OpenMetrics text into TSDB blocks in `data_dir` (promtool tsdb create-blocks-from openmetrics)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise UserError(f"{what} is written with promtool, which is not on PATH (Debian: apt-get install prometheus)")
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".om", delete=False) as handle:
        handle.write(text)
    try:
        proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", handle.name, str(data_dir)],
                              capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(handle.name)
    if proc.returncode != 0:
        raise UserError(f"promtool could not write {what}: {(proc.stderr or proc.stdout).strip()[-500:]}")
    for root, directories, files in os.walk(data_dir):  # an image's unprivileged user must own its TSDB too
        for name in directories:
            os.chmod(os.path.join(root, name), 0o777)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666)


def backfill(histories: list[History], data_dir: Path, *, end: float, scale: float, step_seconds: float) -> int:
    """Write the histories into a TSDB directory; returns the number of samples written."""
    if not histories:
        return 0
    text = openmetrics(histories, end=end, scale=scale, step_seconds=step_seconds)
    write_blocks(text, data_dir, what="the scenarios' history")
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))
