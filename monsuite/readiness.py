"""What "ready for the checks" means, beyond every target being up: a check run right after `stack up`
gives the verdict it gives a minute later.

Three conditions, all read from the running Prometheus:
- every metric that the stack's rules and dashboards select, and that a scrape target exposes (its
  metadata lists it), has series;
- every target has been scraped at least twice, so a rate() or increase() over any window has two samples;
- every dashboard's last aligned step (Grafana floors a range query's end to the step) lies after that
  second scrape, so its panels show what the stack produces rather than the time before the stack.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from monsuite.clients.prometheus import PrometheusClient
from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.runner import DEFAULT_MAX_DATA_POINTS
from monsuite.dashboards.variables import interval_ms, min_interval_ms, parse_relative
from monsuite.rules.model import load_rules
from monsuite.rules.references import selectors

ALWAYS_DEFINED = {"ALERTS", "ALERTS_FOR_STATE"}


@dataclass(frozen=True)
class Expectations:
    metrics: frozenset[str]  # selected by the stack's rules and dashboards (recording outputs excluded)
    dashboard_steps: tuple[tuple[str, float], ...]  # (dashboard title, its largest step in seconds)
    selectors: frozenset[str] = frozenset()  # selected series with equality matchers only, e.g. x{db="app"}


def expectations(rule_files: list[Path], dashboards: list[Path], scrape_ms: int) -> Expectations:
    from monsuite.metrics_check import dashboard_expressions

    rules = [rule for path in rule_files for rule in load_rules(path)]
    recorded = {rule.record for rule in rules if rule.record} | ALWAYS_DEFINED
    expressions = [rule.expr for rule in rules]
    steps = []
    for path in dashboards:
        expressions += [reference.expr for reference in dashboard_expressions(path)]
        steps.append(_largest_step(path, scrape_ms))
    metrics, exact = set(), set()
    for expr in expressions:
        try:
            found = selectors(expr)
        except ValueError:  # an expression that does not parse is the checks' finding, not the wait's
            continue
        metrics |= {s.metric for s in found if s.metric}
        exact |= {_text(s) for s in found if s.metric and s.metric not in recorded and s.matchers
                  and all(op == "=" and value for _, op, value in s.matchers)}
    return Expectations(frozenset(metrics - recorded), tuple(steps), frozenset(exact))


def _text(selector) -> str:
    return selector.metric + "{" + ",".join(f'{label}="{value}"' for label, _, value in selector.matchers) + "}"


def series_not_yet_seen(client: PrometheusClient, wanted: Expectations) -> list[str]:
    """Selected series (equality matchers only) whose metric is exposed but that have no series yet: a
    database an exporter has not listed yet, say. Some only exist under a fault, so the stack waits for
    them a bounded while only (see Stack._wait_usable)."""
    families = set(client.metadata_names())
    now = time.time()
    return sorted(text for text in wanted.selectors
                  if _exposed(text.split("{", 1)[0], families) and not client.query_at(f"count({text})", now))


def _largest_step(path: Path, scrape_ms: int) -> tuple[str, float]:
    dashboard = load_dashboard(path)
    now = time.time()
    range_ms = int((parse_relative(dashboard.time_to, now) - parse_relative(dashboard.time_from, now)) * 1000)
    step_ms = interval_ms(range_ms, DEFAULT_MAX_DATA_POINTS, scrape_ms)
    for panel, target in dashboard.prometheus_queries():
        minimum = min_interval_ms(panel.interval, target.interval, scrape_ms)
        step_ms = max(step_ms, interval_ms(range_ms, panel.max_data_points or DEFAULT_MAX_DATA_POINTS, minimum))
    return dashboard.title, step_ms / 1000


SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created", "_info")


def _exposed(metric: str, families: set[str]) -> bool:
    """Whether a target's metadata names this metric or the family it is a sample of (`x_bucket` of `x`)."""
    return metric in families or any(metric.endswith(s) and metric[: -len(s)] in families for s in SUFFIXES)


def not_ready(client: PrometheusClient, wanted: Expectations, since: float) -> list[str]:
    """What is not ready yet (empty: ready). `since` is when the stack started (unix seconds)."""
    now = time.time()
    waiting = []
    families = set(client.metadata_names())
    expected = sorted(m for m in wanted.metrics if _exposed(m, families))
    present = set()
    if expected:
        pattern = "|".join(expected)
        present = {r["metric"].get("__name__") for r in client.query_at(f'count by (__name__) ({{__name__=~"{pattern}"}})', now)}
    missing = [m for m in expected if m not in present]
    if missing:
        waiting.append("no series yet for " + ", ".join(missing))
    window_ms = max(1, int((now - since) * 1000))
    scrapes = {f"{r['metric'].get('job')}/{r['metric'].get('instance')}": sorted(float(t) for t, _ in r["values"])
               for r in client.query_at(f"up[{window_ms}ms]", now)}
    few = sorted(target for target, times in scrapes.items() if len(times) < 2)
    if few or not scrapes:
        return waiting + ["scraped fewer than twice: " + (", ".join(few) or "every target")]
    second_scrape = max(times[1] for times in scrapes.values())
    for title, step in wanted.dashboard_steps:
        if math.floor(now / step) * step < second_scrape:
            waiting.append(f"dashboard {title!r}: its last aligned step ({step:g}s) precedes the stack's second scrape")
    return waiting
