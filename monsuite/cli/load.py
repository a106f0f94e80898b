"""`monsuite load run`."""

from __future__ import annotations

from monsuite.load.scenario import MAX_SECONDS, MAX_USERS
from monsuite.paths import shipped_loadtests, shipped_stack
from monsuite.userio.argtypes import Count, Duration, InputFile, OutputFile, Url
from monsuite.load.locust_run import MAX_WORKERS
SCENARIO = InputFile("load-scenario", "load scenario", names=lambda: (shipped_loadtests() / "scenarios", (".yaml",)))
USERS = Count(1, MAX_USERS)
DURATION = Duration(1000, MAX_SECONDS * 1000)


def register(commands) -> None:
    load = commands.add_parser("load", help="load sessions with Locust").add_subparsers(metavar="ACTION")
    lr = load.add_parser("run", help="run a load scenario headless and judge its thresholds")
    lr.add_argument("scenario", type=SCENARIO, help="a name in loadtests/scenarios/ or a scenario file")
    lr.add_argument("--host", type=Url(),
                    help="target service (127.0.0.1 only); default: start the default stack and use its demo service")
    lr.add_argument("--users", type=USERS)
    lr.add_argument("--duration", type=DURATION, help="e.g. 30s, 2m")
    lr.add_argument("--workers", type=Count(0, MAX_WORKERS), default=0, metavar="N",
                    help="Locust's distributed mode: a master and N worker processes on this machine (default: one process)")
    lr.set_defaults(handler=load_run)
    lc = load.add_parser("calibrate", help="the load generator's ceiling here: one Locust process vs N workers "
                                           "against a static nginx on 127.0.0.1")
    lc.add_argument("--workers", type=Count(1, MAX_WORKERS), default=2, metavar="N")
    lc.add_argument("--users", type=USERS, default=32)
    lc.add_argument("--duration", type=DURATION, default="10s", help="of each of the two sessions, e.g. 10s")
    lc.add_argument("--json", type=OutputFile("measurements file"), metavar="FILE", help="also write the measurements as JSON")
    lc.set_defaults(handler=load_calibrate)


def load_run(args) -> int:
    from monsuite.clients.http import check_reachable
    from monsuite.load.locust_run import check_host, run_locust
    from monsuite.load.scenario import load_scenario
    from monsuite.load.thresholds import evaluate
    from monsuite.run import Run

    scenario = load_scenario(args.scenario, users=args.users, duration=args.duration)
    stack = None
    host, pushgateway = args.host, None
    if host:
        check_host(host)
        check_reachable(host, "--host")
    else:
        stack = Run.of(str(shipped_stack("default"))).new_stack()
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

    from monsuite.load.calibrate import calibrate
    from monsuite.userio.outputs import write_atomic

    result = calibrate(args.workers, users=args.users, seconds=DURATION.milliseconds(args.duration) / 1000)
    print("\n".join(result.lines()))
    if args.json:
        write_atomic(args.json, json.dumps(result.to_json(), indent=2) + "\n")
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
