"""`monsuite rules test|check|mutate`."""

from __future__ import annotations

import json
from pathlib import Path

from monsuite.clients.access import register_from_env
from monsuite.deployed.argtypes import DeployedAlertmanagerConfig, DeployedRules, Flatten
from monsuite.errors import UserError
from monsuite.runtimes import RUNTIMES
from monsuite.userio.argtypes import Duration, Instant, InputFile, Number, OutputFile, StackArg, Url
from monsuite.userio.ciformat import Finding, add_format_option, emit
from monsuite.userio.outputs import write_atomic

RULES = DeployedRules()
RULE_TESTS = InputFile("rule-tests", "promtool test file")
ALERTMANAGER_CONFIG = DeployedAlertmanagerConfig()
ROUTES = InputFile("routing-cases", "routing cases file")


def register(commands) -> None:
    rules = commands.add_parser("rules", help="Prometheus rule files").add_subparsers(metavar="ACTION")
    mutate = rules.add_parser("mutate", help="break each alert rule in small ways and count the breaks the tests notice")
    mutate.add_argument("--rules", type=RULES, nargs="+", action=Flatten, required=True, metavar="FILE",
                        help="Prometheus rule files, PrometheusRule manifests, ruler namespace files or folders of them")
    mutate.add_argument("--tests", type=RULE_TESTS, nargs="+", required=True, metavar="FILE", help="promtool unit test files")
    mutate.add_argument("--alertmanager-config", type=ALERTMANAGER_CONFIG, metavar="FILE",
                        help="also mutate this routing tree (with --routes)")
    mutate.add_argument("--routes", type=ROUTES, metavar="FILE", help="routing cases (routes.yaml) that judge the routing mutants")
    mutate.add_argument("--live", action="store_true",
                        help="also the mutants only a live run sees (Alertmanager timing), judged by the --stack's scenarios")
    mutate.add_argument("--stack", type=StackArg(), metavar="DIR", help="with --live: the stack whose scenarios judge them")
    mutate.add_argument("--runtime", choices=tuple(r for r in RUNTIMES if r != "external"), default="auto",
                        help="with --live (default: auto)")
    mutate.add_argument("--min-score", type=Number(0, 1), default=0.0, help="exit 1 below this score (0-1, e.g. 0.9)")
    mutate.add_argument("--json", type=OutputFile("results file"), dest="json_out", metavar="FILE", help="write the results as JSON")
    mutate.add_argument("--html", type=OutputFile("results page"), dest="html_out", metavar="FILE",
                        help="write the results as an HTML page")
    add_format_option(mutate)
    mutate.set_defaults(handler=rules_mutate)
    rtest = rules.add_parser("test", help="run promtool unit test files with a readable diff and rule coverage")
    rtest.add_argument("files", type=InputFile("rule-tests", "promtool test file", checked=True), nargs="+", metavar="FILE")
    rtest.add_argument("--json", type=OutputFile("results file"), dest="json_out", help="also write the results as JSON here")
    rtest.add_argument("--min-coverage", type=Number(0, 1), default=0.0,
                       help="exit 1 when fewer alert rules than this share (0-1) have an alert_rule_test in the files given")
    add_format_option(rtest)
    rtest.set_defaults(handler=rules_test)
    rcheck = rules.add_parser("check", help="promtool check rules, plus every selected metric and label on a live Prometheus")
    rcheck.add_argument("files", type=DeployedRules(checked=True), nargs="+", action=Flatten, metavar="FILE",
                        help="rule files, PrometheusRule manifests, ruler namespace files or folders of them")
    rcheck.add_argument("--prometheus-url", type=Url(), help="check that the metrics and labels the expressions use exist there")
    add_format_option(rcheck)
    rcheck.set_defaults(handler=rules_check)
    backtest = rules.add_parser("backtest", help="what the alert rules would have done over recorded history, "
                                                 "evaluated against a real Prometheus")
    backtest.add_argument("--rules", type=RULES, nargs="+", action=Flatten, required=True, metavar="FILE",
                          help="the rule files to judge")
    backtest.add_argument("--prometheus-url", type=Url(), required=True, help="the Prometheus holding the history")
    backtest.add_argument("--from", dest="start", type=Instant(), required=True, metavar="TIME",
                          help="start: ISO 8601, unix seconds, or now-30d")
    backtest.add_argument("--to", dest="end", type=Instant(), default="now", metavar="TIME", help="end (default: now)")
    backtest.add_argument("--baseline", type=RULES, nargs="+", action=Flatten, metavar="FILE",
                          help="the rule files as they were: the difference is reported per alert")
    backtest.add_argument("--incidents", type=InputFile("incidents", "incidents file", closed=False), metavar="FILE",
                          help="incidents.yaml: [{name, start, end, alerts}] that should have fired: caught, missed, delay; "
                               "firings outside them count as false alarms")
    backtest.add_argument("--alertmanager-config", type=ALERTMANAGER_CONFIG, metavar="FILE",
                          help="also the notifications the firings would have sent through this config: routing, "
                               "grouping, group_wait/group_interval/repeat_interval and inhibition, per receiver")
    backtest.add_argument("--silences", type=InputFile("silences", "silences file", closed=False), metavar="FILE",
                          help="with --alertmanager-config: silences as GET /api/v2/silences lists them (or amtool "
                               "silence query -o json); the alerts they match are left out while they are active")
    backtest.add_argument("--flap-window", type=Duration(1000, 7 * 86_400_000), default="15m",
                          help="a firing that comes back this soon after resolving counts as a flap (default: 15m)")
    backtest.add_argument("--json", type=OutputFile("results file"), dest="json_out", metavar="FILE",
                          help="write every firing interval as JSON")
    backtest.add_argument("--html", type=OutputFile("timeline page"), dest="html_out", metavar="FILE",
                          help="write a page with each alert's firings on one time axis (and the baseline's)")
    add_format_option(backtest)
    backtest.set_defaults(handler=rules_backtest)


def rules_test(args) -> int:
    from dataclasses import asdict

    from monsuite.rules.unittests import run_file

    from monsuite.rules import ci

    results = [run_file(path) for path in args.files]
    lines = []
    for result in results:
        note = {"unsupported": f" (needs a newer promtool: unknown field {', '.join(result.unsupported_fields)})"}.get(result.verdict, "")
        lines.append(f"{result.verdict.upper():<11} {result.path}{note}")
        lines += [f"    WARNING {warning}" for warning in result.warnings]
        lines += [f"    {line}" for failure in result.failures for line in failure.explain()]
        if result.uncovered_alerts:
            lines.append(f"    alert rules no test covers: {', '.join(result.uncovered_alerts)}")
    alerts, tested = ci.coverage(args.files)
    share = len(tested) / len(alerts) if alerts else 1.0
    lines.append(f"alert rule coverage: {len(tested)}/{len(alerts)} ({share:.0%}) have an alert_rule_test"
                 + (f"; below --min-coverage {args.min_coverage:.0%}" if share < args.min_coverage else ""))
    findings, cases = ci.test_results(results)
    findings += ci.uncovered(results)
    if share < args.min_coverage:
        findings.append(Finding("error", str(args.files[0]), 1, "coverage",
                                f"alert rule coverage {share:.0%} is below --min-coverage {args.min_coverage:.0%}"))
    emit(args.format, lines, findings, cases)
    if args.json_out:
        write_atomic(Path(args.json_out), json.dumps([{k: v for k, v in asdict(r).items() if k != "output"} for r in results], indent=2))
    return 0 if all(r.verdict == "passed" for r in results) and share >= args.min_coverage else 1


def rules_check(args) -> int:
    from monsuite.rules.check import check_files

    url = register_from_env("prometheus", args.prometheus_url) if args.prometheus_url else None
    from monsuite.rules import ci

    report = check_files(args.files, url)
    emit(args.format, report.lines(), *ci.check_results(report))
    return 0 if report.ok else 1


def rules_backtest(args) -> int:
    from monsuite.backtest.output import told
    from monsuite.backtest.report import read_incidents
    from monsuite.backtest.run import alert_rules, check_range, run_backtest
    from monsuite.clients.http import check_reachable
    from monsuite.clients.prometheus import PrometheusClient
    from monsuite.timescale import parse_ms

    rules = alert_rules(args.rules)  # every input is read before Prometheus is asked anything
    baseline = alert_rules(args.baseline) if args.baseline else None
    incidents = read_incidents(args.incidents) if args.incidents else []
    plan = None
    if args.alertmanager_config:
        from monsuite.backtest.delivery import AlertmanagerPlan, deliver, histories, route

        plan = AlertmanagerPlan.read(args.alertmanager_config)
    if args.silences:
        from monsuite.backtest.silences import read_silences

        if plan is None:
            raise UserError("--silences: silences act on notifications; give --alertmanager-config too")
        plan.silences = read_silences(args.silences)
    if not rules:
        raise UserError(f"--rules {' '.join(map(str, args.rules))}: no alerting rule to backtest")
    if args.end <= args.start:
        raise UserError("--from must come before --to")
    url = register_from_env("prometheus", args.prometheus_url)
    check_reachable(url, "--prometheus-url")
    client = PrometheusClient(url, timeout=120)
    check_range(client, args.prometheus_url, args.start)
    now = run_backtest(client, rules, args.start, args.end)
    before = run_backtest(client, baseline, args.start, args.end) if baseline else None
    delivered = delivered_before = None
    if plan:
        where = route(plan, [a for backtest in (now, before) if backtest for a in histories(backtest)])
        delivered = deliver(now, plan, where=where)
        delivered_before = deliver(before, plan, where=where) if before else None
    lines, findings, cases, document = told(now, before, incidents, parse_ms(args.flap_window) / 1000, delivered,
                                            delivered_before)
    if args.json_out:
        write_atomic(args.json_out, json.dumps(document, indent=2))
        lines.append(f"  written: {args.json_out}")
    if args.html_out:
        from monsuite.backtest.html import page

        write_atomic(args.html_out, page(now, before, delivered, delivered_before))
        lines.append(f"  written: {args.html_out}")
    emit(args.format, lines, findings, cases)
    return 1 if any(c.failure for c in cases) else 0


def rules_mutate(args) -> int:
    from monsuite.mutate.report import ci_results, lines, write_html, write_json
    from monsuite.mutate.runner import run

    if bool(args.alertmanager_config) != bool(args.routes):
        raise UserError("--alertmanager-config and --routes go together: the routing cases judge the routing mutants")
    if args.live and not args.stack:
        raise UserError("--live needs --stack DIR: its scenarios judge the live mutants")
    if (args.stack or args.runtime != "auto") and not args.live:
        raise UserError("--stack and --runtime only serve --live (the live mutants); add --live or drop them")
    live_stack = None
    if args.live:
        from monsuite.manifest import load_manifest
        live_stack = load_manifest(args.stack)  # a broken stack is said before the offline mutants run
    routing = (args.alertmanager_config, args.routes) if args.routes else None
    result = run(args.rules, args.tests)
    if routing:
        from monsuite.mutate.routes import run_route_mutants
        result.routes = run_route_mutants(*routing)
    if args.live:
        from monsuite.mutate.live import run_live_mutants
        from monsuite.options import RunOptions
        from monsuite.run import Run
        result.live = run_live_mutants(Run(RunOptions(stack=str(live_stack.directory), runtime=args.runtime)), log=print)
    emit(args.format, lines(result), *ci_results(result, args.min_score))
    if args.json_out:
        write_json(result, args.json_out)
    if args.html_out:
        write_html(result, args.html_out)
    if not result.verdicts:
        print("no mutants: no alert rule is read by the tests")
        return 1
    return 1 if result.score < args.min_score else 0
