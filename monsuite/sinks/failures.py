"""Failures the sinks can be told to show, so that Alertmanager's retries are exercised:
the first N requests and/or a fraction of them answered with an error status, or slowly."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass


@dataclass
class FailurePlan:
    receiver: str | None = None  # only this receiver (None: every receiver)
    first: int = 0  # the first N matching requests fail
    fraction: float = 0.0  # then this fraction of them fails
    status: int = 500  # HTTP status of a failed answer (SMTP: 451)
    delay_ms: int = 0  # answer this late (every matching request)

    def validate(self) -> None:
        if self.first < 0 or not 0 <= self.fraction <= 1 or not 400 <= self.status <= 599 or self.delay_ms < 0:
            raise ValueError("first >= 0, 0 <= fraction <= 1, 400 <= status <= 599, delay_ms >= 0")


class FailureInjector:
    def __init__(self, seed: int | None = None):
        self.plan = FailurePlan()
        self._seen = 0
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def set(self, changes: dict) -> FailurePlan:
        unknown = set(changes) - set(asdict(FailurePlan()))
        if unknown:
            raise ValueError(f"unknown setting {sorted(unknown)[0]!r}")
        plan = FailurePlan(**changes)
        plan.validate()
        with self._lock:
            self.plan, self._seen = plan, 0
        return plan

    def decide(self, receiver: str) -> tuple[int | None, float]:
        """(status to fail with, or None to accept; seconds to wait before answering)."""
        with self._lock:
            plan = self.plan
            if plan.receiver is not None and plan.receiver != receiver:
                return None, 0.0
            self._seen += 1
            fail = self._seen <= plan.first or (plan.fraction > 0 and self._random.random() < plan.fraction)
            return (plan.status if fail else None), plan.delay_ms / 1000
