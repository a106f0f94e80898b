"""`monsuite campaign`: the alert campaign run once or repeated, with a flakiness report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from monsuite.cli.stack import PROFILE
from monsuite.options import MAX_SHARDS
from monsuite.runtimes import RUNTIMES
from monsuite.userio.argtypes import Count, OutputDir, StackArg
from monsuite.userio.outputs import write_atomic

MAX_REPEAT = 200


def register(commands) -> None:
    parser = commands.add_parser("campaign", help="run the alert campaign N times; report pass rates and stage distributions")
    parser.add_argument("--stack", type=StackArg(), default="default", help="a stack directory, or the name of a shipped stack (default: default)")
    parser.add_argument("--repeat", type=Count(1, MAX_REPEAT), default=1, help=f"repetitions (1..{MAX_REPEAT}, default 1)")
    parser.add_argument("--shards", type=Count(1, MAX_SHARDS), default=1,
                        help=f"stacks each campaign spreads its scenarios over (1..{MAX_SHARDS}, default 1)")
    parser.add_argument("--fresh", action="store_true", help="a fresh stack start per repetition (default: one start)")
    parser.add_argument("--stress", action="store_true", help="a bounded CPU load on one core (stress-ng) beside the runs")
    parser.add_argument("--runtime", choices=RUNTIMES, default="auto", help="how to provide components (default: auto)")
    parser.add_argument("--profile", type=PROFILE, default="ci", help="time profile (default: ci)")
    parser.add_argument("--out", type=OutputDir("report directory"), default="reports/flakiness", help="report directory (default: reports/flakiness)")
    parser.set_defaults(handler=campaign)


def campaign(args) -> int:
    from monsuite.alerts.flakiness import repeat
    from monsuite.alerts.flakiness_html import write_html
    from monsuite.alerts.progress import progress_for
    from monsuite.options import RunOptions
    from monsuite.profiles import resolve_profile
    from monsuite.run import Run

    run = Run(RunOptions(stack=args.stack, runtime=args.runtime, profile=args.profile, campaign_shards=args.shards))
    resolve_profile(run.manifest, args.profile)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def keep(body: dict) -> None:
        write_atomic((out / f"run-{body['repetition']:03d}.json"), json.dumps(body, indent=2, default=str))

    result = repeat(run, repetitions=args.repeat, fresh=args.fresh, stress=args.stress, log=lambda line: print(line, flush=True), on_run=keep,
                    progress=lambda: progress_for(sys.stderr))
    summary = result.summary()
    write_atomic((out / "flakiness.json"), json.dumps(summary, indent=2))
    write_html(summary, out / "flakiness.html")
    print(f"{'scenario':<24}{'passed':>8}{'fault->delivered p50/p95/max ms':>34}{'firing->delivered p50/p95/max ms':>35}")
    for name, entry in summary["scenarios"].items():
        cells = []
        for stage in ("fault_to_delivered", "firing_to_delivered"):
            d = entry["stages"].get(stage)
            cells.append(f"{d['p50']:.0f} / {d['p95']:.0f} / {d['max']:.0f}" if d else "-")
        print(f"{name:<24}{entry['passed']:>4}/{entry['runs'] - entry['skipped']:<3}{cells[0]:>34}{cells[1]:>35}")
    print(f"report: {out / 'flakiness.html'}, {out / 'flakiness.json'}")
    return 0 if summary["all_passed"] else 1
