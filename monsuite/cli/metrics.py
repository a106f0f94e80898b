"""`monsuite metrics check`."""

from __future__ import annotations

from monsuite.userio.argtypes import StackArg, Url


def register(commands) -> None:
    metrics = commands.add_parser("metrics", help="metrics the rules and dashboards use").add_subparsers(metavar="ACTION")
    mc = metrics.add_parser("check", help="every referenced metric and label exists; exposition lint per target")
    mc.add_argument("--stack", type=StackArg(), default="default", help="the stack whose rules and dashboards are checked (a directory or a shipped stack's name)")
    mc.add_argument("--prometheus-url", type=Url(), help="check against this Prometheus (default: start the stack, check, stop it)")
    mc.add_argument("--strict-lint", action="store_true", help="exposition lint findings fail the check too")
    mc.add_argument("--verbose", action="store_true")
    mc.set_defaults(handler=metrics_check)


def metrics_check(args) -> int:
    from monsuite.clients.access import register_from_env
    from monsuite.manifest import load_manifest
    from monsuite.metrics_check import check
    from monsuite.rules.model import expand
    from monsuite.run import Run

    manifest = load_manifest(args.stack)
    rule_files = expand(manifest.directory, list(manifest.rule_files))
    dashboards = sorted((manifest.directory / "dashboards").glob("*.json"))
    stack = None
    url = register_from_env("prometheus", args.prometheus_url) if args.prometheus_url else None
    if not url:
        stack = Run.of(str(manifest.directory)).new_stack()
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
