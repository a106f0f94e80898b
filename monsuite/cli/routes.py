"""`monsuite routes test`."""

from __future__ import annotations

from monsuite.errors import UserError
from monsuite.deployed.argtypes import DeployedAlertmanagerConfig
from monsuite.userio.argtypes import InputFile
from monsuite.userio.ciformat import add_format_option, emit


def register(commands) -> None:
    routes = commands.add_parser("routes", help="Alertmanager routing").add_subparsers(metavar="ACTION")
    rt = routes.add_parser("test", help="check routing, inhibition and silence cases with amtool and a live Alertmanager")
    rt.add_argument("--config", type=DeployedAlertmanagerConfig(), required=True,
                    help="alertmanager.yml (a .j2 template is rendered leniently), the Secret holding it, "
                         "AlertmanagerConfig objects, or a folder of manifests")
    rt.add_argument("cases", type=InputFile("routing-cases", "routing cases file"), metavar="CASES.yaml")
    rt.add_argument("--no-amtool", action="store_true", help="only the live Alertmanager")
    rt.add_argument("--no-live", action="store_true", help="only amtool (routing cases only)")
    add_format_option(rt)
    rt.set_defaults(handler=routes_test)


def routes_test(args) -> int:
    from monsuite.routing.ci import results
    from monsuite.routing.verdict import run_routing_test

    if args.no_amtool and args.no_live:
        raise UserError("--no-amtool and --no-live together check nothing; drop one of them")
    config, cases = args.config, args.cases
    report = run_routing_test(config, cases, use_amtool=not args.no_amtool, use_live=not args.no_live)
    problems = report.problems()
    counts = report.cases
    lines = [f"{config}: {len(counts.routes)} routing, {len(counts.inhibitions)} inhibition, {len(counts.silences)} silence cases"]
    for engine, ms in report.per_case_ms().items():
        lines.append(f"  {engine}: {ms} ms per routing case")
    if "live_total" in report.seconds:
        waits = report.seconds.get("live_inhibitions", 0) + report.seconds.get("live_silences", 0)
        lines.append(f"  live Alertmanager: started in {report.seconds.get('live_start', 0):.2f}s; inhibition and silence "
                     f"cases {waits:.2f}s (they wait on its timers)")
    for problem in problems:
        lines.append(f"  FAIL {problem}")
    unchecked = len(counts.inhibitions) + len(counts.silences) if args.no_live else 0
    if not problems:
        checked = "every routing case holds" if unchecked else "every case holds"
        lines.append(f"  {checked}" + (" and amtool agrees with the live Alertmanager" if report.amtool and report.live else ""))
    if unchecked:
        lines.append(f"  NOT CHECKED {len(counts.inhibitions)} inhibition and {len(counts.silences)} silence cases "
                     "(only a live Alertmanager answers them; drop --no-live)")
    emit(args.format, lines, *results(report, cases))
    return 1 if problems else 0
