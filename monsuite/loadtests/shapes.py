"""Load shapes: ramp, step, spike and soak, each bounded in time (MONSUITE_SHAPE_SECONDS, default 60)."""

from __future__ import annotations

import os

from locust import LoadTestShape


def _seconds() -> float:
    return float(os.environ.get("MONSUITE_SHAPE_SECONDS", "60"))


def _users() -> int:
    return int(os.environ.get("MONSUITE_SHAPE_USERS", "20"))


class Ramp(LoadTestShape):
    """Linearly from 1 to the peak over the whole run."""

    def tick(self):
        elapsed, total = self.get_run_time(), _seconds()
        if elapsed >= total:
            return None
        return max(1, round(_users() * elapsed / total)), max(1, _users() / total * 2)


class Step(LoadTestShape):
    """Four equal steps up to the peak."""

    def tick(self):
        elapsed, total = self.get_run_time(), _seconds()
        if elapsed >= total:
            return None
        step = min(3, int(elapsed / (total / 4)))
        return max(1, round(_users() * (step + 1) / 4)), _users()


class Spike(LoadTestShape):
    """A quarter of the peak, the peak in the middle fifth, then a quarter again."""

    def tick(self):
        elapsed, total = self.get_run_time(), _seconds()
        if elapsed >= total:
            return None
        peak = 0.4 * total <= elapsed < 0.6 * total
        return (_users() if peak else max(1, _users() // 4)), _users()


class Soak(LoadTestShape):
    """Half the peak, held for the whole run."""

    def tick(self):
        if self.get_run_time() >= _seconds():
            return None
        return max(1, _users() // 2), _users()


SHAPES = {"ramp": Ramp, "step": Step, "spike": Spike, "soak": Soak}
