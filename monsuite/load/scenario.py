"""loadtests/scenarios/<name>.yaml: users, spawn rate, duration, optional shape, and thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monsuite.errors import ManifestError
from monsuite.timescale import TimeScaleError, parse_ms
from monsuite.userio.inputs import read_yaml, refuse_unknown_keys

THRESHOLDS = ("p50_ms", "p95_ms", "p99_ms", "error_rate", "min_rps")
MAX_USERS = 500
MAX_SECONDS = 1800
SHAPES = ("ramp", "step", "spike", "soak")
KEYS = ("name", "description", "users", "spawn_rate", "duration", "shape", "thresholds")


@dataclass(frozen=True)
class LoadScenario:
    name: str
    path: Path
    users: int
    spawn_rate: float
    seconds: float
    shape: str | None
    thresholds: dict[str, float]


def scenario_path(name_or_path: str, directory: Path) -> Path:
    path = Path(name_or_path)
    if path.is_file():
        return path
    candidate = directory / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
    raise ManifestError(name_or_path, "", f"no such load scenario (known in {directory}: {known})")


def load_scenario(path: Path, *, users: int | None = None, duration: str | None = None) -> LoadScenario:
    data = read_yaml(path, "load scenario")
    refuse_unknown_keys(data, KEYS, path)
    thresholds = data.get("thresholds") or {}
    if not isinstance(thresholds, dict) or set(thresholds) - set(THRESHOLDS):
        raise ManifestError(path, "thresholds", f"must map some of {', '.join(THRESHOLDS)} to numbers")
    count = users if users is not None else data.get("users", 10)
    if not isinstance(count, int) or not 1 <= count <= MAX_USERS:
        raise ManifestError(path, "users", f"must be a whole number from 1 to {MAX_USERS}")
    try:
        seconds = parse_ms(str(duration or data.get("duration", "30s"))) / 1000
    except TimeScaleError as exc:
        raise ManifestError(path, "duration", str(exc)) from None
    if not 0 < seconds <= MAX_SECONDS:
        raise ManifestError(path, "duration", f"must be more than 0 and at most {MAX_SECONDS // 60} minutes")
    shape = data.get("shape")
    if shape is not None and shape not in SHAPES:
        raise ManifestError(path, "shape", f"must be one of {', '.join(SHAPES)}")
    return LoadScenario(str(data.get("name") or path.stem), path, count, float(data.get("spawn_rate", count)), seconds,
                        shape, {k: float(v) for k, v in thresholds.items()})
