"""`monsuite slo report` and `monsuite slo rules`."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from monsuite.clients.access import register_from_env
from monsuite.errors import UserError
from monsuite.userio.argtypes import Duration, InputFile, OutputDir, TimeRange, UnixTime, Url

SPEC = InputFile("slo-spec", "SLO spec")
REPORT_JSON = InputFile("report-json", "report.json", closed=False)
WINDOW = Duration(60_000, 400 * 86_400_000)


def register(commands) -> None:
    slo = commands.add_parser("slo", help="service level objectives (Sloth prometheus/v1, OpenSLO v1)").add_subparsers(metavar="ACTION")
    report = slo.add_parser("report", help="SLI, error budget and burn rates of each SLO from Prometheus: HTML, JSON, JUnit, Markdown")
    report.add_argument("--spec", type=SPEC, nargs="+", required=True, metavar="FILE", help="Sloth or OpenSLO spec files")
    report.add_argument("--prometheus-url", type=Url(), required=True)
    report.add_argument("--window", type=WINDOW, help="the SLO window to report on (default: each SLO's own, e.g. 30d)")
    report.add_argument("--at", type=UnixTime(), help="report as of this unix time (default: now)")
    report.add_argument("--out", type=OutputDir("report directory"), default="reports/slo",
                        help="where the report goes (default: reports/slo)")
    report.add_argument("--baseline", type=REPORT_JSON, help="a previous report.json: the report lists what got worse")
    report.add_argument("--alerts", type=InputFile("alerts-json", "alerts.json", closed=False), help="a conformance run's alerts.json: its alert latency distribution is plotted, "
                        "and its injected faults are kept out of the SLIs, budgets and burn rates (reported apart)")
    report.add_argument("--exclude", type=TimeRange(), action="append", default=[], metavar="FROM..TO",
                        help="a maintenance window kept out of the SLIs, budgets and burn rates (ISO 8601 or unix times; "
                             "repeatable)")
    report.set_defaults(handler=slo_report)
    rules = slo.add_parser("rules", help="Sloth-style SLI recording rules and multi-window multi-burn-rate alerts, "
                           "with promtool tests of the alerts")
    rules.add_argument("--spec", type=SPEC, nargs="+", required=True, metavar="FILE")
    rules.add_argument("--out", type=OutputDir("rules directory"), required=True, help="directory for slo-sli-rules.yml, slo-alert-rules.yml and its tests")
    rules.set_defaults(handler=slo_rules)


def _load(files: list[str]):
    from monsuite.slo.spec import load_specs

    slos = [slo for path in files for slo in load_specs(path)]
    keys = [s.key for s in slos]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise UserError(f"SLO {duplicate} is defined in more than one spec file")
    return slos


def slo_report(args) -> int:
    from monsuite.clients.prometheus import PrometheusClient
    from monsuite.slo.compute import evaluate_all
    from monsuite.slo.conformance import RunMeasurements
    from monsuite.slo.exclusions import parse_exclusion, planned_faults
    from monsuite.slo.report import read_report_json, verdict_line, write_report

    url = register_from_env("prometheus", args.prometheus_url)
    slos = _load(args.spec)
    window_ms = WINDOW.milliseconds(args.window) if args.window else None
    at = args.at if args.at is not None else time.time()
    exclusions = [parse_exclusion(text) for text in args.exclude]
    baseline = read_report_json(args.baseline, "--baseline") if args.baseline else None
    campaign = read_report_json(args.alerts, "--alerts") if args.alerts else None
    exclusions += planned_faults(campaign)
    latencies = latencies_of(campaign) if campaign else None
    client = PrometheusClient(url)
    client.global_scrape_interval()  # unreachable or not a Prometheus: one clear line before any work
    results = evaluate_all(slos, client, at=at, window_ms=window_ms, measured=RunMeasurements(campaign=campaign),
                           exclusions=exclusions)
    out = args.out
    data = write_report(results, out, prometheus=url, at=datetime.fromtimestamp(at, tz=timezone.utc).isoformat(timespec="seconds"),
                        baseline=baseline, alert_latencies_ms=latencies, exclusions=exclusions)
    for result in results:
        print(verdict_line(result))
    for line in data["worse_than_baseline"]:
        print(f"WORSE     {line}")
    print(f"report: {out / 'report.html'} (and report.json, junit.xml, summary.md)")
    return 1 if any(r.verdict == "violated" for r in results) else 0


def latencies_of(alerts: dict) -> list[float]:
    return [s["stages_ms"]["fault_to_delivered"] for s in alerts.get("scenarios", [])
            if isinstance(s, dict) and (s.get("stages_ms") or {}).get("fault_to_delivered") is not None]


def slo_rules(args) -> int:
    from monsuite.slo.rules import write_rules

    slos = _load(args.spec)
    out = args.out
    write_rules(slos, out)
    print(f"{len(slos)} SLOs: {out / 'slo-sli-rules.yml'} (recording rules), {out / 'slo-alert-rules.yml'} "
          f"(burn-rate alerts) and their promtool tests {out / 'slo-alert-rules.test.yml'}")
    return 0
