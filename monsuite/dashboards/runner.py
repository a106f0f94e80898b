"""Load a dashboard as Grafana would: expand its variables, run every panel target against Prometheus
over the dashboard's time range with Grafana's step, all panels at once; report per panel."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from monsuite.clients.access import session_for
from monsuite.dashboards.datasources import Datasources
from monsuite.dashboards.model import Dashboard, Panel, Target
from monsuite.dashboards.variables import (VariableResolver, builtins, expand, interval_ms, min_interval_ms,
                                           parse_relative, rate_interval_ms)

DEFAULT_MAX_DATA_POINTS = 1000  # a dashboard panel a little under 1000 px wide


@dataclass
class QueryResult:
    ref_id: str
    expr: str  # expanded
    step_seconds: float | None
    series: int = 0
    samples: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class PanelResult:
    id: object
    title: str
    row: str
    queries: list[QueryResult] = field(default_factory=list)
    note: str = ""  # why the panel has nothing to run (library panel, no Prometheus queries)

    @property
    def has_data(self) -> bool:
        return any(q.samples for q in self.queries) and not any(q.error for q in self.queries)

    @property
    def runnable(self) -> bool:
        return bool(self.queries)

    @property
    def seconds(self) -> float:
        return max((q.seconds for q in self.queries), default=0.0)


@dataclass
class DashboardResult:
    path: str
    title: str
    load_seconds: float
    panels: list[PanelResult]
    problems: list[str]
    target_seconds: float

    @property
    def panels_without_data(self) -> list[PanelResult]:
        return [p for p in self.panels if p.runnable and not p.has_data]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.panels_without_data and self.load_seconds <= self.target_seconds


def run_dashboard(dashboard: Dashboard, prometheus_url: str, *, scrape_ms: int = 15000, target_seconds: float = 2.0,
                  now: float | None = None, datasource_uids: set[str] | None = None) -> DashboardResult:
    end = now or time.time()
    start = parse_relative(dashboard.time_from, end)
    end = parse_relative(dashboard.time_to, end)
    range_ms = int((end - start) * 1000)
    session = session_for(prometheus_url)
    datasources = Datasources(dashboard.variables, datasource_uids)
    base_interval = interval_ms(range_ms, DEFAULT_MAX_DATA_POINTS, scrape_ms)
    resolver = VariableResolver(prometheus_url, start, end, session)
    values, notes = resolver.resolve(dashboard.variables, builtins(range_ms, base_interval,
                                                                    rate_interval_ms(base_interval, scrape_ms), start, end,
                                                                    dashboard.title))
    problems = list(dashboard.problems) + notes
    panels: list[PanelResult] = []
    jobs: list[tuple[QueryResult, Target, Panel]] = []
    for panel in dashboard.panels:
        result = PanelResult(panel.id, panel.title, panel.row)
        panels.append(result)
        if panel.library_panel:
            result.note = f"library panel {panel.library_panel}: its queries live in Grafana"
            continue
        elsewhere: list[str] = []
        for target in panel.targets:
            source = datasources.of_query(panel.datasource, target.datasource)
            if source.kind == "unresolved":
                problems.append(f"panel {panel.id} ({panel.title}): datasource {source.reference!r} does not resolve")
                continue
            if not source.is_prometheus:
                elsewhere.append(source.kind)
                continue
            if not target.expr.strip():
                continue
            query = QueryResult(target.ref_id, "", None)
            result.queries.append(query)
            jobs.append((query, target, panel))
        if elsewhere:
            result.note = f"{_counted(elsewhere)} not run against Prometheus"
        if not result.queries and not result.note:
            result.note = "no queries"
    started = time.perf_counter()
    local = threading.local()

    def run(job):
        query, target, panel = job
        if not hasattr(local, "session"):
            local.session = session_for(prometheus_url)
        _run_query(local.session, prometheus_url, query, target, panel, values, start, end, range_ms, scrape_ms)

    if jobs:
        with ThreadPoolExecutor(max_workers=min(32, len(jobs))) as pool:  # Grafana fans panel queries out
            list(pool.map(run, jobs))
    load_seconds = time.perf_counter() - started
    return DashboardResult(dashboard.path, dashboard.title, load_seconds, panels, problems, target_seconds)


def _run_query(session, url, query: QueryResult, target: Target, panel: Panel, values: dict, start: float, end: float,
               range_ms: int, scrape_ms: int) -> None:
    minimum = min_interval_ms(expand(panel.interval, values), expand(target.interval, values), scrape_ms)
    points = panel.max_data_points or DEFAULT_MAX_DATA_POINTS
    step_ms = interval_ms(range_ms, points, minimum)
    local_values = {**values, **builtins(range_ms, step_ms, rate_interval_ms(step_ms, minimum), start, end,
                                         values.get("__dashboard", ""))}
    query.expr = expand(target.expr, local_values)
    began = time.perf_counter()
    try:
        if target.instant:
            response = session.get(f"{url}/api/v1/query", params={"query": query.expr, "time": end}, timeout=30)
        else:
            step = step_ms / 1000
            query.step_seconds = step
            aligned_start, aligned_end = math.floor(start / step) * step, math.floor(end / step) * step
            response = session.get(f"{url}/api/v1/query_range", timeout=30,
                                   params={"query": query.expr, "start": aligned_start, "end": aligned_end, "step": step})
        body = response.json()
        if body.get("status") != "success":
            query.error = f"{body.get('errorType')}: {body.get('error')}"
        else:
            result = body["data"]["result"]
            if isinstance(result, list):
                query.series = len(result)
                query.samples = sum(len(r.get("values", [])) or (1 if "value" in r else 0) for r in result)
            else:  # a scalar or a string
                query.series = query.samples = 1
    except (requests.RequestException, ValueError) as exc:
        query.error = f"{type(exc).__name__}: {exc}"
    query.seconds = time.perf_counter() - began


def _counted(kinds: list[str]) -> str:
    """["loki", "loki", "dashboard"] -> "2 loki queries, 1 dashboard query"."""
    counts = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    return ", ".join(f"{n} {kind} quer{'y' if n == 1 else 'ies'}" for kind, n in counts.items())
