"""Dashboards load: every panel of the stack's dashboards returns data, all panels fanned out at once
(as Grafana does) load within the target (seeds: 2 s), and public dashboards are processed panel by
panel without tripping on any construct they use."""

from __future__ import annotations

from pathlib import Path

import pytest

from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.report import result_lines
from monsuite.dashboards.runner import run_dashboard
from monsuite.timescale import parse_ms

pytestmark = pytest.mark.live

TARGET_SECONDS = 2.0
REFERENCE = Path(__file__).resolve().parent / "public-dashboards"  # shipped with the suites


def stack_dashboards(request) -> list[Path]:
    from monsuite.manifest import load_manifest

    directory = load_manifest(request.config.getoption("--stack")).directory / "dashboards"
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def pytest_generate_tests(metafunc):
    if "dashboard_file" in metafunc.fixturenames:
        files = stack_dashboards(metafunc)
        metafunc.parametrize("dashboard_file", files, ids=[f.stem for f in files])


def run(stack, prometheus, path: Path):
    scrape_ms = parse_ms(stack.profile_values.get("scrape_interval", "15s"))
    return run_dashboard(load_dashboard(path), prometheus.url, scrape_ms=scrape_ms, target_seconds=TARGET_SECONDS)


def test_every_panel_returns_data_within_the_target(stack, prometheus, dashboard_file):
    from monsuite.waits import wait_until

    # the dashboards' rate() windows need a few scrapes of history after the stack starts
    result = wait_until(lambda: run(stack, prometheus, dashboard_file), timeout=30, interval=1,
                        what=f"every panel of {dashboard_file.name} with data", accept=lambda r: not r.panels_without_data)
    assert result.ok, "\n".join(result_lines(result))


# Each public dashboard, the exporter's metric it is built around, and how many panels must show data
# where that exporter is scraped.
PUBLIC = [("node-exporter-full.json", "node_cpu_seconds_total", 60),
          ("k8s-addons-prometheus.json", "prometheus_build_info", 1)]


@pytest.mark.parametrize("name, built_for, at_least", PUBLIC)
def test_public_dashboards_are_processed_panel_by_panel(stack, prometheus, name, built_for, at_least):
    from monsuite.waits import wait_until

    if built_for not in prometheus.metadata_names():
        pytest.skip(f"{name} is built for the exporter of {built_for}, which the stack's Prometheus does not scrape")

    # A 24 h dashboard queries with a 1 min step aligned down to the minute: a stack younger than
    # that step shows nothing yet, exactly as Grafana would.
    result = wait_until(lambda: run(stack, prometheus, REFERENCE / name), timeout=150, interval=2,
                        what=f"{at_least} panels of {name} with data",
                        accept=lambda r: sum(p.has_data for p in r.panels if p.runnable) >= at_least)
    runnable = [p for p in result.panels if p.runnable]
    assert runnable, f"{name}: no runnable panel found"
    assert not [q.error for p in runnable for q in p.queries if q.error], "\n".join(result_lines(result))
    assert sum(p.has_data for p in runnable) >= at_least, "\n".join(result_lines(result, verbose=True))
    assert result.load_seconds <= TARGET_SECONDS * 5
