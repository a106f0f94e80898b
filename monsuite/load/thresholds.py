"""Thresholds of a load scenario, in the spirit of k6's: each a limit, the measured value, a verdict."""

from __future__ import annotations

from dataclasses import dataclass

from monsuite.load.locust_run import LoadResult


@dataclass(frozen=True)
class Verdict:
    name: str
    limit: float
    measured: float
    passed: bool

    def line(self) -> str:
        relation = ">=" if self.name == "min_rps" else "<="
        return f"{'PASS' if self.passed else 'FAIL':<5} {self.name:<11} {self.measured:>10.3f} {relation} {self.limit:g}"


def evaluate(result: LoadResult) -> list[Verdict]:
    measured = {
        "p50_ms": result.percentile_ms(0.50), "p95_ms": result.percentile_ms(0.95), "p99_ms": result.percentile_ms(0.99),
        "error_rate": result.failures / result.requests if result.requests else 1.0, "min_rps": result.rps,
    }
    verdicts = []
    for name, limit in result.scenario.thresholds.items():
        value = measured[name]
        verdicts.append(Verdict(name, limit, value, value >= limit if name == "min_rps" else value <= limit))
    if not result.requests:
        verdicts.append(Verdict("requests", 1, 0, False))
    return verdicts
