"""`monsuite rules test|check` and `monsuite scenarios check`."""

from __future__ import annotations

import json
from pathlib import Path

from monsuite.cli import generate
from monsuite.clients.access import register_from_env
from monsuite.userio.argtypes import InputFile, OutputFile, StackArg, Url
from monsuite.userio.outputs import write_atomic


def register(commands) -> None:
    scenarios = commands.add_parser("scenarios", help="alert scenarios").add_subparsers(metavar="ACTION")
    check = scenarios.add_parser("check", help="validate a stack's scenarios and list alert rules without one")
    check.add_argument("--stack", type=StackArg(), default="default", help="a stack directory, or the name of a shipped stack (default: default)")
    check.set_defaults(handler=scenarios_check)

    rules = commands.add_parser("rules", help="Prometheus rule files").add_subparsers(metavar="ACTION")
    generate.register(scenarios, rules)
    rtest = rules.add_parser("test", help="run promtool unit test files with a readable diff and rule coverage")
    rtest.add_argument("files", type=InputFile("rule-tests", "promtool test file", checked=True), nargs="+", metavar="FILE")
    rtest.add_argument("--json", type=OutputFile("results file"), dest="json_out", help="also write the results as JSON here")
    rtest.set_defaults(handler=rules_test)
    rcheck = rules.add_parser("check", help="promtool check rules, plus every selected metric and label on a live Prometheus")
    rcheck.add_argument("files", type=InputFile("rules", "rule file", checked=True), nargs="+", metavar="FILE")
    rcheck.add_argument("--prometheus-url", type=Url(), help="check that the metrics and labels the expressions use exist there")
    rcheck.set_defaults(handler=rules_check)


def scenarios_check(args) -> int:
    from monsuite.alerts.scenarios import load_for_stack
    from monsuite.manifest import load_manifest

    manifest = load_manifest(args.stack)
    scenarios, rules = load_for_stack(manifest)
    covered = {s.alert for s in scenarios}
    missing = sorted(set(rules) - covered)
    print(f"{manifest.path}: {len(scenarios)} scenarios for {len(covered)}/{len(rules)} alert rules")
    for alert in missing:
        print(f"  no scenario: {alert} ({rules[alert].file})")
    return 1 if missing else 0


def rules_test(args) -> int:
    from dataclasses import asdict

    from monsuite.rules.unittests import run_file

    results = [run_file(path) for path in args.files]
    for result in results:
        note = {"unsupported": f" (needs a newer promtool: unknown field {', '.join(result.unsupported_fields)})"}.get(result.verdict, "")
        print(f"{result.verdict.upper():<11} {result.path}{note}")
        for warning in result.warnings:
            print(f"    WARNING {warning}")
        for failure in result.failures:
            for line in failure.explain():
                print(f"    {line}")
        if result.uncovered_alerts:
            print(f"    alert rules no test covers: {', '.join(result.uncovered_alerts)}")
    if args.json_out:
        write_atomic(Path(args.json_out), json.dumps([{k: v for k, v in asdict(r).items() if k != "output"} for r in results], indent=2))
    return 0 if all(r.verdict == "passed" for r in results) else 1


def rules_check(args) -> int:
    from monsuite.rules.check import check_files

    url = register_from_env("prometheus", args.prometheus_url) if args.prometheus_url else None
    report = check_files(args.files, url)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1
