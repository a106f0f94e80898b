"""One backtest: every alerting rule of the files over the range, against one Prometheus; a baseline rule
file judged over the same range."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.backtest.evaluate import RuleResult, backtest_rule
from monsuite.backtest.running import evaluation_phases
from monsuite.clients.http import ServiceError
from monsuite.clients.prometheus import PrometheusClient, parse_duration
from monsuite.errors import UserError
from monsuite.rules.model import Rule, load_rules
from monsuite.timescale import format_ms


@dataclass
class Backtest:
    start: float
    end: float
    results: list[RuleResult] = field(default_factory=list)
    seconds: float = 0.0


def alert_rules(files: list[Path]) -> list[Rule]:
    return [rule for path in files for rule in load_rules(path) if rule.alert]


def check_range(client: PrometheusClient, url: str, start: float) -> None:
    """The range must lie within what Prometheus keeps: data before its retention is gone."""
    try:
        info = client.runtime_info()
    except ServiceError as exc:
        raise UserError(f"--prometheus-url {url}: {exc}") from None
    retention = str(info.get("storageRetention") or "")
    kept = retention.split(" or ")[0].strip()
    try:
        seconds = parse_duration(kept)
    except ValueError:
        return  # a size-only retention: nothing to say about time
    if start < time.time() - seconds:
        raise UserError(f"--from is {format_ms(int((time.time() - start) * 1000))} ago, beyond what this Prometheus "
                        f"keeps (retention {retention}): the range has no data at its start; start later")


def run_backtest(client: PrometheusClient, rules: list[Rule], start: float, end: float, *, workers: int = 4) -> Backtest:
    began = time.monotonic()
    made = Backtest(start, end)
    phases = evaluation_phases(client)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="backtest-rule") as pool:
        made.results = list(pool.map(lambda rule: backtest_rule(client, rule, start, end, phases=phases, workers=2), rules))
    made.seconds = time.monotonic() - began
    return made
