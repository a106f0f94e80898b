"""`monsuite dashboards check`."""

from __future__ import annotations

from monsuite.deployed.argtypes import DeployedDashboards, Flatten
from monsuite.userio.argtypes import Duration, Url

SCRAPE_INTERVAL = Duration(1000, 3_600_000)
TARGET = Duration(1, 600_000)


def register(commands) -> None:
    dashboards = commands.add_parser("dashboards", help="Grafana dashboards").add_subparsers(metavar="ACTION")
    dc = dashboards.add_parser("check", help="run every panel of dashboards against Prometheus as Grafana would")
    dc.add_argument("files", type=DeployedDashboards(), nargs="+", action=Flatten, metavar="FILE",
                    help="dashboard JSON files, ConfigMaps, GrafanaDashboard objects, or folders of them")
    dc.add_argument("--prometheus-url", type=Url(), required=True)
    dc.add_argument("--scrape-interval", type=SCRAPE_INTERVAL,
                    help="the datasource's scrape interval (default: the Prometheus' own global scrape_interval)")
    dc.add_argument("--target", type=TARGET, default="2s", help="load time target per dashboard (default 2s)")
    dc.add_argument("--verbose", action="store_true", help="list every panel, not only those without data")
    dc.set_defaults(handler=dashboards_check)


def dashboards_check(args) -> int:
    from monsuite.clients.access import register_from_env
    from monsuite.clients.prometheus import PrometheusClient
    from monsuite.dashboards.model import load_dashboard
    from monsuite.dashboards.report import result_lines
    from monsuite.dashboards.runner import run_dashboard
    from monsuite.timescale import parse_ms

    args.prometheus_url = register_from_env("prometheus", args.prometheus_url)
    target = TARGET.milliseconds(args.target) / 1000
    scrape_ms = SCRAPE_INTERVAL.milliseconds(args.scrape_interval) if args.scrape_interval else None
    dashboards = [load_dashboard(path) for path in args.files]
    if scrape_ms is None:
        scrape_ms = parse_ms(PrometheusClient(args.prometheus_url).global_scrape_interval())
    ok = True
    for dashboard in dashboards:
        result = run_dashboard(dashboard, args.prometheus_url, scrape_ms=scrape_ms, target_seconds=target)
        ok &= result.ok
        for line in result_lines(result, verbose=args.verbose):
            print(line)
    return 0 if ok else 1
