"""Dashboards load: every panel of the stack's dashboards returns data, all panels fanned out at once
(as Grafana does) load within the target (seeds: 2 s), and public dashboards are processed panel by
panel without tripping on any construct they use."""

from __future__ import annotations

from pathlib import Path

import pytest

from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.report import result_lines
from monsuite.dashboards.runner import run_dashboard
from monsuite.fixtures.params import parametrize_or_skip
from monsuite.timescale import parse_ms

pytestmark = pytest.mark.live

TARGET_SECONDS = 2.0


def stack_dashboards(request) -> list[Path]:
    from monsuite.manifest import load_manifest

    directory = load_manifest(request.config.getoption("--stack")).directory / "dashboards"
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def pytest_generate_tests(metafunc):
    if "dashboard_file" in metafunc.fixturenames:
        files = stack_dashboards(metafunc)
        parametrize_or_skip(metafunc, "dashboard_file", files, ids=[f.stem for f in files],
                            none="the stack has no dashboards/*.json")
    if "further_dashboard" in metafunc.fixturenames:
        files = further_dashboards(metafunc.config)
        parametrize_or_skip(metafunc, "further_dashboard", files, ids=[f.stem for f in files],
                            none="no further dashboards: give some with --dashboards PATH")


def run(stack, prometheus, path: Path):
    scrape_ms = parse_ms(stack.profile_values.get("scrape_interval", "15s"))
    return run_dashboard(load_dashboard(path), prometheus.url, scrape_ms=scrape_ms, target_seconds=TARGET_SECONDS)


def test_every_panel_returns_data_within_the_target(stack, prometheus, dashboard_file):
    from monsuite.waits import wait_until

    # the dashboards' rate() windows need a few scrapes of history after the stack starts
    result = wait_until(lambda: run(stack, prometheus, dashboard_file), timeout=30, interval=1,
                        what=f"every panel of {dashboard_file.name} with data", accept=lambda r: not r.panels_without_data)
    assert result.ok, "\n".join(result_lines(result))


def further_dashboards(config) -> list[Path]:
    from monsuite.options import RunOptions

    return RunOptions.from_pytest(config).further_dashboards


PLACEHOLDER = "placeholder"  # what metrics_check.dashboard_expressions puts where a dashboard variable was


def panel_selectors(panel_expressions) -> set:
    """The selectors of a panel's queries, matchers on dashboard variables left out (any value may be chosen)."""
    from monsuite.rules.references import Selector, selectors

    found = set()
    for expr in panel_expressions:
        try:
            parsed = selectors(expr)
        except Exception:  # noqa: BLE001 - an expression that does not parse selects nothing we can name
            continue
        found |= {Selector(s.metric, tuple(m for m in s.matchers if PLACEHOLDER not in m[2])) for s in parsed if s.metric}
    return found


def selector_text(selector) -> str:
    import json

    return selector.metric + "{" + ",".join(f"{label}{op}{json.dumps(value)}" for label, op, value in selector.matchers) + "}"


def test_further_dashboards_are_processed_panel_by_panel(stack, prometheus, further_dashboard, record_measurement):
    """A dashboard given with --dashboards (public ones, say): where the exporters it is built for are
    scraped, every panel runs without an error, and every panel whose metrics all have series shows data."""
    from monsuite.metrics_check import dashboard_expressions
    from monsuite.waits import WaitTimeout, wait_until

    per_panel: dict[str, set] = {}
    for reference in dashboard_expressions(further_dashboard):
        per_panel.setdefault(reference.name, set()).update(panel_selectors([reference.expr]))
    scraped = set(prometheus.metadata_names())
    selected = {s.metric for selectors in per_panel.values() for s in selectors}
    if not selected & scraped:
        pytest.skip(f"{further_dashboard.name} selects none of the metrics the stack's Prometheus scrapes "
                    f"(it selects {len(selected)}, e.g. {sorted(selected)[:3]})")
    has_series = {s: s.metric in scraped and bool(prometheus.query(f"count({selector_text(s)})"))
                  for selectors in per_panel.values() for s in selectors}
    # a panel is expected to show data when each of its selectors matches series (its fixed label
    # matchers included: a node_exporter in a container has no mountpoint="/")
    covered = {name for name, selectors in per_panel.items() if selectors and all(has_series[s] for s in selectors)}

    def with_data(result) -> set[str]:
        return {f"panel {p.id} {p.title!r}" for p in result.panels if p.has_data}

    # A 24 h dashboard queries with a 1 min step aligned down to the minute: a stack younger than
    # that step shows nothing yet, exactly as Grafana would.
    try:
        result = wait_until(lambda: run(stack, prometheus, further_dashboard), timeout=150, interval=2,
                            what=f"data in the {len(covered)} panels of {further_dashboard.name} whose metrics are all scraped",
                            accept=lambda r: covered <= with_data(r))
    except WaitTimeout:
        result = run(stack, prometheus, further_dashboard)  # the verdict below names the panels still empty
    runnable = [p for p in result.panels if p.runnable]
    assert runnable, f"{further_dashboard.name}: no runnable panel found"
    assert not [q.error for p in runnable for q in p.queries if q.error], "\n".join(result_lines(result))
    assert covered, f"{further_dashboard.name}: no panel has all its metrics scraped"
    missing = sorted(covered - with_data(result))
    assert not missing, f"{further_dashboard.name}: panels whose metrics are all scraped show no data: {missing}"
    record_measurement("panels_expected_with_data", len(covered))
    record_measurement("panels_with_data", len(with_data(result)))
    assert result.load_seconds <= TARGET_SECONDS * 5
