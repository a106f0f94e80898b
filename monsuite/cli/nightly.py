"""`monsuite nightly`: conformance campaign, dashboards, a fault-free load session and the SLO report."""

from __future__ import annotations

from pathlib import Path

from monsuite.cli.load import DURATION, SCENARIO, USERS
from monsuite.cli.slo import REPORT_JSON, SPEC
from monsuite.cli.stack import add_stack_options
from monsuite.userio.argtypes import OutputDir


def register(commands) -> None:
    parser = commands.add_parser("nightly", help="the nightly verification: alert campaign, dashboards, "
                                 "fault-free load and the SLO report, in one report directory")
    add_stack_options(parser, state=False)  # a nightly run leaves no stack behind
    parser.add_argument("--spec", type=SPEC, help="SLO spec file (default: the stack's slo.yaml)")
    parser.add_argument("--load", type=SCENARIO, default="baseline",
                        help="the Locust scenario of the fault-free session (default: baseline)")
    parser.add_argument("--users", type=USERS, help="Locust users (default: the scenario's)")
    parser.add_argument("--duration", type=DURATION, default="30s", help="length of the load session (default: 30s)")
    parser.add_argument("--out", type=OutputDir("report directory"), default="reports/nightly",
                        help="report directory (default: reports/nightly)")
    parser.add_argument("--baseline", type=REPORT_JSON, help="the previous night's report.json: what got worse is listed")
    parser.set_defaults(handler=nightly)


def nightly(args) -> int:
    from monsuite.nightly import NightlyPlan, run_nightly
    from monsuite.options import RunOptions
    from monsuite.run import Run

    options = RunOptions.from_args(args)
    plan = NightlyPlan(options, Path(args.out), spec=Path(args.spec) if args.spec else None,
                       load=args.load, users=args.users, duration=args.duration,
                       baseline=Path(args.baseline) if args.baseline else None)
    outcome = run_nightly(Run(options, log=lambda line: print(line, flush=True)), plan)
    total = sum(outcome.seconds.values())
    print(f"nightly: {total:.0f}s ({', '.join(f'{k} {v:.0f}s' for k, v in outcome.seconds.items())}); "
          f"report: {Path(args.out) / 'report.html'}")
    if outcome.campaign_failed:
        print(f"nightly: scenarios failed in the campaign: {', '.join(outcome.campaign_failed)} (see alerts.html)")
    if outcome.violated:
        print(f"nightly: objectives violated: {', '.join(outcome.violated)}")
    return 1 if outcome.violated else 0
