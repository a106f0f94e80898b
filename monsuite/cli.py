"""The monsuite command line: stack up/status/down and images build."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from monsuite.errors import UserError
from monsuite.manifest import EXTERNAL_KINDS
from monsuite.runtimes import RUNTIMES

DEFAULT_STATE_FILE = ".monsuite/state.json"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"monsuite: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("monsuite: interrupted; everything started was stopped", file=sys.stderr)
        return 130


def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monsuite", description="Conformance and load tests for monitoring stacks.")
    commands = parser.add_subparsers(metavar="COMMAND")

    stack = commands.add_parser("stack", help="start, inspect and stop a stack").add_subparsers(metavar="ACTION")
    up = stack.add_parser("up", help="start a stack and wait until it is usable")
    add_stack_options(up)
    up.set_defaults(handler=stack_up)
    status = stack.add_parser("status", help="show what `stack up` started and whether it is healthy")
    add_state_option(status)
    status.set_defaults(handler=stack_status)
    down = stack.add_parser("down", help="stop everything `stack up` started")
    add_state_option(down)
    down.set_defaults(handler=stack_down)

    scenarios = commands.add_parser("scenarios", help="alert scenarios").add_subparsers(metavar="ACTION")
    check = scenarios.add_parser("check", help="validate a stack's scenarios and list alert rules without one")
    check.add_argument("--stack", default="stacks/default", help="stack directory (default: stacks/default)")
    check.set_defaults(handler=scenarios_check)

    rules = commands.add_parser("rules", help="Prometheus rule files").add_subparsers(metavar="ACTION")
    rtest = rules.add_parser("test", help="run promtool unit test files with a readable diff and rule coverage")
    rtest.add_argument("files", nargs="+", metavar="FILE")
    rtest.add_argument("--json", dest="json_out", help="also write the results as JSON here")
    rtest.set_defaults(handler=rules_test)
    rcheck = rules.add_parser("check", help="promtool check rules, plus every selected metric and label on a live Prometheus")
    rcheck.add_argument("files", nargs="+", metavar="FILE")
    rcheck.add_argument("--prometheus-url", help="check that the metrics and labels the expressions use exist there")
    rcheck.set_defaults(handler=rules_check)

    routes = commands.add_parser("routes", help="Alertmanager routing").add_subparsers(metavar="ACTION")
    rt = routes.add_parser("test", help="check routing, inhibition and silence cases with amtool and a live Alertmanager")
    rt.add_argument("--config", required=True, help="alertmanager.yml (a .j2 template is rendered leniently)")
    rt.add_argument("cases", metavar="CASES.yaml")
    rt.add_argument("--no-amtool", action="store_true", help="only the live Alertmanager")
    rt.add_argument("--no-live", action="store_true", help="only amtool (routing cases only)")
    rt.set_defaults(handler=routes_test)

    dashboards = commands.add_parser("dashboards", help="Grafana dashboards").add_subparsers(metavar="ACTION")
    dc = dashboards.add_parser("check", help="run every panel of dashboards against Prometheus as Grafana would")
    dc.add_argument("files", nargs="+", metavar="FILE")
    dc.add_argument("--prometheus-url", required=True)
    dc.add_argument("--scrape-interval", default="15s", help="the datasource's scrape interval (default 15s)")
    dc.add_argument("--target", default="2s", help="load time target per dashboard (default 2s)")
    dc.add_argument("--verbose", action="store_true", help="list every panel, not only those without data")
    dc.set_defaults(handler=dashboards_check)

    metrics = commands.add_parser("metrics", help="metrics the rules and dashboards use").add_subparsers(metavar="ACTION")
    mc = metrics.add_parser("check", help="every referenced metric and label exists; exposition lint per target")
    mc.add_argument("--stack", default="stacks/default", help="the stack whose rules and dashboards are checked")
    mc.add_argument("--prometheus-url", help="check against this Prometheus (default: start the stack, check, stop it)")
    mc.add_argument("--strict-lint", action="store_true", help="exposition lint findings fail the check too")
    mc.add_argument("--verbose", action="store_true")
    mc.set_defaults(handler=metrics_check)

    load = commands.add_parser("load", help="load sessions with Locust").add_subparsers(metavar="ACTION")
    lr = load.add_parser("run", help="run a load scenario headless and judge its thresholds")
    lr.add_argument("scenario", help="a name in loadtests/scenarios/ or a scenario file")
    lr.add_argument("--host", help="target service (127.0.0.1 only); default: start the default stack and use its demo service")
    lr.add_argument("--users", type=int)
    lr.add_argument("--duration", help="e.g. 30s, 2m")
    lr.set_defaults(handler=load_run)

    images = commands.add_parser("images", help="container images").add_subparsers(metavar="ACTION")
    build = images.add_parser("build", help="make local images from host binaries (when no registry is reachable)")
    build.add_argument("--stack", default="stacks/default", help="stack directory (default: stacks/default)")
    build.set_defaults(handler=images_build)
    return parser


def add_state_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-file", default=os.environ.get("MONSUITE_STATE_FILE", DEFAULT_STATE_FILE),
                        help=f"where `stack up` records what it started (default: {DEFAULT_STATE_FILE})")


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="stacks/default", help="stack directory (default: stacks/default)")
    parser.add_argument("--runtime", choices=RUNTIMES, default="auto", help="how to provide components (default: auto)")
    parser.add_argument("--profile", default="ci", help="time profile: ci (compressed) or real (default: ci)")
    for kind in EXTERNAL_KINDS:
        parser.add_argument(f"--{kind}-url", help=f"URL of an existing {kind} (external runtime, or auto)")
    add_state_option(parser)


def stack_up(args) -> int:
    from monsuite.manifest import load_manifest
    from monsuite.stack import Stack

    state_file = Path(args.state_file)
    if state_file.exists():
        raise UserError(f"{state_file}: a stack is already up (run `monsuite stack down` first)")
    manifest = load_manifest(args.stack)
    urls = {kind: getattr(args, f"{kind}_url") for kind in EXTERNAL_KINDS}
    stack = Stack(manifest, runtime=args.runtime, profile=args.profile, urls=urls, state_file=state_file, log=print)
    print(f"run {stack.run_id}: starting stack {manifest.name} ({args.runtime} runtime, {args.profile} profile)", flush=True)
    stack.start()
    for name, reason in stack.unavailable.items():
        print(f"{name:<22} skipped  {reason}")
    print(f"stack usable after {stack.usable_seconds:.2f}s; state in {state_file}; stop it with `monsuite stack down`")
    return 0


def _read_state(path: str) -> dict:
    state_file = Path(path)
    if not state_file.exists():
        raise UserError(f"{state_file}: no stack is up (no state file); start one with `monsuite stack up`")
    try:
        return json.loads(state_file.read_text())
    except ValueError:
        raise UserError(f"{state_file}: not a monsuite state file (invalid JSON); remove it") from None


def stack_status(args) -> int:
    from monsuite.status import component_status, target_summary

    state = _read_state(args.state_file)
    print(f"run {state['run_id']}: stack {state['stack']} ({state['runtime']} runtime, {state['profile']} profile)")
    healthy = True
    for name, data in state["components"].items():
        ok, detail = component_status(data)
        healthy &= ok
        print(f"{name:<22} {data['runtime']:<8} {data.get('url') or '-':<28} {'up' if ok else 'DOWN':<5} {detail}")
    for name, reason in state.get("unavailable", {}).items():
        print(f"{name:<22} {'-':<8} {'-':<28} {'skip':<5} {reason}")
    prometheus = next((d for d in state["components"].values() if d["kind"] == "prometheus"), None)
    if prometheus:
        ok, lines = target_summary(prometheus["url"])
        healthy &= ok
        for line in lines:
            print(line)
    return 0 if healthy else 1


def stack_down(args) -> int:
    from monsuite.stack import stop_from_state

    state_file = Path(args.state_file)
    state = _read_state(args.state_file)
    stopped = stop_from_state(state)
    state_file.unlink(missing_ok=True)
    print(f"run {state['run_id']}: stopped {', '.join(stopped) or 'nothing'}; removed {state.get('run_dir')}")
    return 0


def images_build(args) -> int:
    from monsuite.images import build_images
    from monsuite.manifest import load_manifest

    built = build_images(load_manifest(args.stack))
    print(f"{len(built)} local images built")
    return 0


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


def _existing_files(files: list[str]) -> list[Path]:
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
    return paths


def rules_test(args) -> int:
    from dataclasses import asdict

    from monsuite.rules.unittests import run_file

    results = [run_file(path) for path in _existing_files(args.files)]
    for result in results:
        note = {"unsupported": f" (needs a newer promtool: unknown field {', '.join(result.unsupported_fields)})"}.get(result.verdict, "")
        print(f"{result.verdict.upper():<11} {result.path}{note}")
        for failure in result.failures:
            for line in failure.explain():
                print(f"    {line}")
        if result.uncovered_alerts:
            print(f"    alert rules no test covers: {', '.join(result.uncovered_alerts)}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps([{k: v for k, v in asdict(r).items() if k != "output"} for r in results], indent=2))
    return 0 if all(r.verdict == "passed" for r in results) else 1


def rules_check(args) -> int:
    from monsuite.rules.check import check_files

    report = check_files(_existing_files(args.files), args.prometheus_url)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def routes_test(args) -> int:
    from monsuite.routing.verdict import run_routing_test

    config, cases = _existing_files([args.config, args.cases])
    report = run_routing_test(config, cases, use_amtool=not args.no_amtool, use_live=not args.no_live)
    problems = report.problems()
    counts = report.cases
    print(f"{config}: {len(counts.routes)} routing, {len(counts.inhibitions)} inhibition, {len(counts.silences)} silence cases")
    for engine, ms in report.per_case_ms().items():
        print(f"  {engine}: {ms} ms per routing case")
    for problem in problems:
        print(f"  FAIL {problem}")
    if not problems:
        print("  every case holds" + (" and amtool agrees with the live Alertmanager" if report.amtool and report.live else ""))
    return 1 if problems else 0


def dashboards_check(args) -> int:
    from monsuite.dashboards.model import load_dashboard
    from monsuite.dashboards.report import result_lines
    from monsuite.dashboards.runner import run_dashboard
    from monsuite.timescale import TimeScaleError, parse_ms

    try:
        scrape_ms, target = parse_ms(args.scrape_interval), parse_ms(args.target) / 1000
    except TimeScaleError as exc:
        raise UserError(f"--scrape-interval/--target: {exc}") from None
    ok = True
    for path in _existing_files(args.files):
        result = run_dashboard(load_dashboard(path), args.prometheus_url, scrape_ms=scrape_ms, target_seconds=target)
        ok &= result.ok
        for line in result_lines(result, verbose=args.verbose):
            print(line)
    return 0 if ok else 1


def metrics_check(args) -> int:
    from monsuite.manifest import load_manifest
    from monsuite.metrics_check import check
    from monsuite.rules.model import expand
    from monsuite.stack import Stack

    manifest = load_manifest(args.stack)
    rule_files = expand(manifest.directory, list(manifest.rule_files))
    dashboards = sorted((manifest.directory / "dashboards").glob("*.json"))
    stack = None
    url = args.prometheus_url
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


def load_run(args) -> int:
    from monsuite.load.locust_run import LOCUSTFILE, run_locust
    from monsuite.load.scenario import load_scenario, scenario_path
    from monsuite.load.thresholds import evaluate
    from monsuite.manifest import load_manifest
    from monsuite.stack import Stack

    scenario = load_scenario(scenario_path(args.scenario, LOCUSTFILE.parent / "scenarios"), users=args.users,
                             duration=args.duration)
    stack = None
    host, pushgateway = args.host, None
    if not host:
        stack = Stack(load_manifest(Path(__file__).resolve().parent.parent / "stacks" / "default"), runtime="auto", profile="ci")
        stack.start()
        host, pushgateway = stack.url("demo"), stack.url("pushgateway")
    try:
        print(f"load {scenario.name}: {scenario.users} users for {scenario.seconds:g}s against {host}"
              + (f" ({scenario.shape} shape)" if scenario.shape else ""), flush=True)
        result = run_locust(scenario, host, pushgateway=pushgateway)
    finally:
        if stack is not None:
            stack.stop()
    verdicts = evaluate(result)
    print(f"{result.requests} requests, {result.failures} failures, {result.rps:.0f} req/s")
    for verdict in verdicts:
        print(verdict.line())
    return 0 if all(v.passed for v in verdicts) else 1
