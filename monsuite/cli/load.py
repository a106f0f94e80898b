"""`monsuite load run`."""

from __future__ import annotations

from monsuite.paths import shipped_stack


def register(commands) -> None:
    load = commands.add_parser("load", help="load sessions with Locust").add_subparsers(metavar="ACTION")
    lr = load.add_parser("run", help="run a load scenario headless and judge its thresholds")
    lr.add_argument("scenario", help="a name in loadtests/scenarios/ or a scenario file")
    lr.add_argument("--host", help="target service (127.0.0.1 only); default: start the default stack and use its demo service")
    lr.add_argument("--users", type=int)
    lr.add_argument("--duration", help="e.g. 30s, 2m")
    lr.add_argument("--workers", type=int, default=0, metavar="N",
                    help="Locust's distributed mode: a master and N worker processes on this machine (default: one process)")
    lr.set_defaults(handler=load_run)
    lc = load.add_parser("calibrate", help="the load generator's ceiling here: one Locust process vs N workers "
                                           "against a static nginx on 127.0.0.1")
    lc.add_argument("--workers", type=int, default=2, metavar="N")
    lc.add_argument("--users", type=int, default=32)
    lc.add_argument("--duration", default="10s", help="of each of the two sessions, e.g. 10s")
    lc.add_argument("--json", metavar="FILE", help="also write the measurements as JSON")
    lc.set_defaults(handler=load_calibrate)


def load_run(args) -> int:
    from monsuite.load.locust_run import LOCUSTFILE, check_workers, run_locust
    from monsuite.load.scenario import load_scenario, scenario_path
    from monsuite.load.thresholds import evaluate
    from monsuite.manifest import load_manifest
    from monsuite.stack import Stack

    check_workers(args.workers)  # before a stack is started for it
    scenario = load_scenario(scenario_path(args.scenario, LOCUSTFILE.parent / "scenarios"), users=args.users,
                             duration=args.duration)
    stack = None
    host, pushgateway = args.host, None
    if not host:
        stack = Stack(load_manifest(shipped_stack("default")), runtime="auto", profile="ci")
        stack.start()
        host, pushgateway = stack.url("demo"), stack.url("pushgateway")
    try:
        print(f"load {scenario.name}: {scenario.users} users for {scenario.seconds:g}s against {host}"
              + (f" ({scenario.shape} shape)" if scenario.shape else "")
              + (f", {args.workers} Locust workers" if args.workers else ""), flush=True)
        result = run_locust(scenario, host, pushgateway=pushgateway, progress=_progress_printer(), workers=args.workers)
    finally:
        if stack is not None:
            stack.stop()
    verdicts = evaluate(result)
    print(f"{result.requests} requests, {result.failures} failures, {result.rps:.0f} req/s")
    for verdict in verdicts:
        print(verdict.line())
    return 0 if all(v.passed for v in verdicts) else 1


def load_calibrate(args) -> int:
    import json
    from pathlib import Path

    from monsuite.errors import UserError
    from monsuite.load.calibrate import calibrate
    from monsuite.load.locust_run import check_workers
    from monsuite.load.scenario import MAX_SECONDS, MAX_USERS
    from monsuite.timescale import TimeScaleError, parse_ms

    check_workers(args.workers, least=1)
    if not 1 <= args.users <= MAX_USERS:
        raise UserError(f"--users {args.users}: give a number from 1 to {MAX_USERS}")
    try:
        seconds = parse_ms(args.duration) / 1000
    except TimeScaleError as exc:
        raise UserError(f"--duration {args.duration}: {exc}") from None
    if not 0 < seconds <= MAX_SECONDS:
        raise UserError(f"--duration {args.duration}: must be more than 0 and at most {MAX_SECONDS // 60} minutes")
    result = calibrate(args.workers, users=args.users, seconds=seconds)
    print("\n".join(result.lines()))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return 0


def _progress_printer():
    """Elapsed load time: redrawn in place on a terminal, a line every 10 s in logs."""
    import sys

    last = [-10.0]

    def show(elapsed: float, planned: float) -> None:
        text = f"load: {min(elapsed, planned):.0f}s of {planned:g}s" + (" (stopping)" if elapsed > planned else "")
        if sys.stderr.isatty():
            sys.stderr.write("\r" + text.ljust(40))
            sys.stderr.flush()
        elif elapsed - last[0] >= 10:
            last[0] = elapsed
            print(text, file=sys.stderr, flush=True)

    return show
