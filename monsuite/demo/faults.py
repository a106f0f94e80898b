"""The faults the demo service can be told to show, and their validation."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields

DEPENDENCIES = ("database", "redis")


class FaultError(ValueError):
    pass


@dataclass
class Faults:
    error_rate: float = 0.0  # fraction of business requests answered 500 (at once)
    latency_ms: float = 0.0  # added to every business request that is not failed
    error_paths: list[str] = field(default_factory=list)  # limit errors to these path prefixes (empty: all)
    latency_paths: list[str] = field(default_factory=list)  # limit latency to these path prefixes (empty: all)
    execution_failure_rate: float = 0.0  # fraction of executions that end "failed"
    queue_depth: int = 0  # items in the pending queue, pushed to Redis when configured (0: the baseline)
    workers_lost: int = 0  # worker scrape endpoints answering 503
    health_failing: bool = False  # /health answers 503
    dependencies_down: list[str] = field(default_factory=list)  # forced unhealthy: database, redis
    memory_limit_bytes: int = 0  # overrides the reported memory limit (0 = the configured one)
    cpu_burn: bool = False  # a thread keeps one core busy inside the service
    db_connections: int = 0  # extra connections the service holds open to its database
    failing_tenants: list[str] = field(default_factory=list)  # every execution of these tenants fails

    def to_dict(self) -> dict:
        return asdict(self)


class FaultState:
    """Thread-safe holder of the current faults."""

    def __init__(self, workers: int):
        self.workers = workers
        self._faults = Faults()
        self._lock = threading.Lock()

    @property
    def current(self) -> Faults:
        """The faults in force: a snapshot shared by every request (read it, never change it), replaced
        as a whole by update() and reset(), so reading it needs neither a lock nor a copy."""
        return self._faults

    def update(self, changes: dict) -> Faults:
        if not isinstance(changes, dict):
            raise FaultError("the body must be a JSON object of fault names to values")
        known = {f.name: f for f in fields(Faults)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise FaultError(f"unknown fault {unknown[0]!r}; known: {', '.join(sorted(known))}")
        with self._lock:
            merged = {**self._faults.to_dict(), **changes}
            self._faults = self._validated(merged)
            return Faults(**self._faults.to_dict())

    def reset(self) -> Faults:
        with self._lock:
            self._faults = Faults()
            return Faults()

    def _validated(self, values: dict) -> Faults:
        for name in ("error_rate", "execution_failure_rate"):
            value = values[name]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                raise FaultError(f"{name} must be a number between 0 and 1")
        for name in ("latency_ms", "queue_depth", "workers_lost", "memory_limit_bytes", "db_connections"):
            value = values[name]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise FaultError(f"{name} must be a number >= 0")
        if values["workers_lost"] > self.workers:
            raise FaultError(f"workers_lost must be at most {self.workers} (the number of workers)")
        for name in ("health_failing", "cpu_burn"):
            if not isinstance(values[name], bool):
                raise FaultError(f"{name} must be true or false")
        for name in ("error_paths", "latency_paths"):
            paths = values[name]
            if not isinstance(paths, list) or not all(isinstance(p, str) and p.startswith("/") for p in paths):
                raise FaultError(f"{name} must be a list of path prefixes such as /api/v1/automations")
        tenants = values["failing_tenants"]
        if not isinstance(tenants, list) or not all(isinstance(t, str) and t for t in tenants):
            raise FaultError("failing_tenants must be a list of tenant ids")
        down = values["dependencies_down"]
        if not isinstance(down, list) or any(d not in DEPENDENCIES for d in down):
            raise FaultError(f"dependencies_down must be a list drawn from {', '.join(DEPENDENCIES)}")
        values["queue_depth"] = int(values["queue_depth"])
        values["workers_lost"] = int(values["workers_lost"])
        values["memory_limit_bytes"] = int(values["memory_limit_bytes"])
        values["db_connections"] = int(values["db_connections"])
        return Faults(**values)
