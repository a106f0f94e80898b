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
from monsuite.runtimes.base import Aborted
from monsuite.runtimes.registry import runtime_of
from monsuite.stack import Stack, StackStartError, StartStep
from monsuite.timescale import parse_ms
from monsuite.waits import WaitTimeout, wait_until

USABLE_TIMEOUT_SECONDS = 40.0

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


class Usable(StartStep):
    """After every component is ready: wait until the stack can be used (every target scraped twice and up,
    Alertmanager discovered, what the rules and dashboards read present, dashboards past their first step)."""

    def attached(self, stack: Stack) -> None:
        pass  # `usable` follows, as for a start

    def usable(self, stack: Stack) -> None:
        prom_handles = [h for h in stack.of_kind("prometheus") if runtime_of(h).starts]
        if not prom_handles:
            return
        client = PrometheusClient(prom_handles[0].url)
        expect_am = any(runtime_of(h).starts for h in stack.of_kind("alertmanager"))

        def probe():
            stack.check_aborted()
            targets = client.targets()
            pending = [f"{t.job}/{t.instance}: {t.health} {t.last_error}".strip() for t in targets
                       if not t.scraped or t.health != "up"]
            if not targets:
                return "no active targets yet"
            if pending:
                return "targets not up: " + "; ".join(pending)
            if expect_am and not client.alertmanagers():
                return "Alertmanager not yet discovered by Prometheus"
            waiting = not_ready(client, wanted, since)
            return "; ".join(waiting) if waiting else True

        since = stack.started_at
        scrape_ms = parse_ms(stack.profile_values.get("scrape_interval", "15s"))
        wanted = expectations(stack.rule_files(), sorted((stack.manifest.directory / "dashboards").glob("*.json")), scrape_ms)
        longest_step = max((step for _, step in wanted.dashboard_steps), default=0.0)
        try:
            wait_until(probe, timeout=USABLE_TIMEOUT_SECONDS + 3 * scrape_ms / 1000 + longest_step, fatal=(Aborted,),
                       what="the stack to be usable (every target scraped twice and up, Alertmanager discovered, "
                            "every metric its rules and dashboards read present, dashboards past their first step)",
                       accept=lambda r: r is True, interval=0.1)
        except WaitTimeout as exc:
            raise StackStartError(str(exc)) from None
        # Series with exact labels (a database's rows, a queue's key) may come a few scrapes after their
        # metric; some exist only under a fault. Wait for them a bounded while, then name what is missing.
        def all_seen():
            stack.check_aborted()
            return not series_not_yet_seen(client, wanted)

        try:
            wait_until(all_seen, timeout=max(5.0, 20 * scrape_ms / 1000), interval=0.25, fatal=(Aborted,),
                       what="every selected series")
        except WaitTimeout:
            missing = series_not_yet_seen(client, wanted)
            if missing:
                stack.log("usable; series that rules or dashboards select but the stack does not produce "
                         "without a fault: " + ", ".join(missing))
        # Grafana floors a range query's end to its step: a series that came late shows once a step passed it.
        seen_at = time.time()

        def steps_passed():
            stack.check_aborted()
            return all(math.floor(time.time() / step) * step >= seen_at for _, step in wanted.dashboard_steps)

        wait_until(steps_passed, timeout=longest_step + 1, interval=0.1, fatal=(Aborted,),
                   what="every dashboard's last step past the stack's data")
