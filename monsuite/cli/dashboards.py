"""`monsuite dashboards check` and `monsuite metrics check`."""

from __future__ import annotations

from monsuite.userio.argtypes import Duration, InputFile, StackArg, Url

SCRAPE_INTERVAL = Duration(1000, 3_600_000)
TARGET = Duration(1, 600_000)


def register(commands) -> None:
    dashboards = commands.add_parser("dashboards", help="Grafana dashboards").add_subparsers(metavar="ACTION")
    dc = dashboards.add_parser("check", help="run every panel of dashboards against Prometheus as Grafana would")
    dc.add_argument("files", type=InputFile("dashboard", "Grafana dashboard", closed=False), nargs="+", metavar="FILE")
    dc.add_argument("--prometheus-url", type=Url(), required=True)
    dc.add_argument("--scrape-interval", type=SCRAPE_INTERVAL,
                    help="the datasource's scrape interval (default: the Prometheus' own global scrape_interval)")
    dc.add_argument("--target", type=TARGET, default="2s", help="load time target per dashboard (default 2s)")
    dc.add_argument("--verbose", action="store_true", help="list every panel, not only those without data")
    dc.set_defaults(handler=dashboards_check)

    metrics = commands.add_parser("metrics", help="metrics the rules and dashboards use").add_subparsers(metavar="ACTION")
    mc = metrics.add_parser("check", help="every referenced metric and label exists; exposition lint per target")
    mc.add_argument("--stack", type=StackArg(), default="default", help="the stack whose rules and dashboards are checked (a directory or a shipped stack's name)")
    mc.add_argument("--prometheus-url", type=Url(), help="check against this Prometheus (default: start the stack, check, stop it)")
    mc.add_argument("--strict-lint", action="store_true", help="exposition lint findings fail the check too")
    mc.add_argument("--verbose", action="store_true")
    mc.set_defaults(handler=metrics_check)


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


def metrics_check(args) -> int:
    from monsuite.clients.access import register_from_env
    from monsuite.manifest import load_manifest
    from monsuite.metrics_check import check
    from monsuite.rules.model import expand
    from monsuite.stack import Stack

    manifest = load_manifest(args.stack)
    rule_files = expand(manifest.directory, list(manifest.rule_files))
    dashboards = sorted((manifest.directory / "dashboards").glob("*.json"))
    stack = None
    url = register_from_env("prometheus", args.prometheus_url) if args.prometheus_url else None
    if not url:
        stack = Stack(manifest, runtime="auto", profile="ci", log=None)
        stack.start()
        url = stack.first_url("prometheus")
    try:
        report = check(rule_files, dashboards, url)
    finally:
        if stack is not None:
            stack.stop()
    for line in report.lines(verbose=args.verbose):
        print(line)
    return 0 if report.ok(args.strict_lint) else 1
