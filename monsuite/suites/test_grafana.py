"""Grafana driven for real wherever it runs (an image with a registry, a binary on PATH, or
--grafana-url): the datasource and the stack's dashboards provisioned through the API, fetched back,
and every panel run through /api/ds/query with data and within the dashboard's target."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from monsuite.clients.grafana import GrafanaClient
from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.variables import expand

pytestmark = [pytest.mark.live, pytest.mark.component("grafana", "prometheus")]


def test_dashboards_provisioned_through_the_api_load_with_data(stack):
    grafana = GrafanaClient(stack.url("grafana"))
    assert grafana.health()["database"] == "ok"
    grafana.ensure_prometheus_datasource(stack.url("prometheus"), scrape_interval=stack.profile_values["scrape_interval"])
    for path in sorted((stack.manifest.directory / "dashboards").glob("*.json")):
        model = json.loads(path.read_text())
        saved = grafana.put_dashboard(model)
        assert grafana.dashboard(saved["uid"])["title"] == model["title"]
        dashboard = load_dashboard(path)
        # Grafana expands its built-ins ($__rate_interval ...) itself; dashboard variables are the browser's job
        values = {v["name"]: ".*" for v in dashboard.variables if v.get("type") == "query"}
        jobs = [(panel.title, t) for panel, t in dashboard.prometheus_queries()]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=16) as pool:  # the browser fans panel queries out
            results = list(pool.map(lambda job: (job[0], grafana.query(expand(job[1].expr, values), instant=job[1].instant)), jobs))
        load_seconds = time.perf_counter() - started
        assert all(not r["error"] for _, r in results), [r["error"] for _, r in results if r["error"]]
        with_data = {title for title, r in results if r["samples"]}
        assert with_data == {title for title, _ in jobs}, f"{path.name}: panels without data: {sorted({t for t, _ in jobs} - with_data)}"
        assert load_seconds < 2.0, f"{path.name} loaded through Grafana in {load_seconds:.2f}s"



def test_each_dashboard_page_renders_its_panels_in_a_browser(stack, request):
    """The dashboard page in headless Chromium: every panel title rendered; the time and a screenshot kept."""
    from pathlib import Path

    from monsuite import browser

    if browser.chromium() is None:
        pytest.skip("Chromium not installed (Debian package chromium; make setup installs it)")
    grafana = GrafanaClient(stack.url("grafana"))
    grafana.ensure_prometheus_datasource(stack.url("prometheus"), scrape_interval=stack.profile_values["scrape_interval"])
    report_dir = Path(request.config.getoption("--report-dir"))
    for path in sorted((stack.manifest.directory / "dashboards").glob("*.json")):
        model = json.loads(path.read_text())
        saved = grafana.put_dashboard(model)
        rendered = browser.render(f"{stack.url('grafana')}{saved['url']}?orgId=1&kiosk",
                                  screenshot=report_dir / f"grafana-{saved['uid']}.png", budget_ms=15000)
        titles = list(dict.fromkeys(p.title for p, _ in load_dashboard(path).prometheus_queries() if p.title))
        missing = [t for t in titles if t not in rendered.dom]
        assert not missing, f"{path.name}: panels not rendered: {missing}"
        assert rendered.screenshot is not None
