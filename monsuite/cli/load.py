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
    lr.set_defaults(handler=load_run)


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
        stack = Stack(load_manifest(shipped_stack("default")), runtime="auto", profile="ci")
        stack.start()
        host, pushgateway = stack.url("demo"), stack.url("pushgateway")
    try:
        print(f"load {scenario.name}: {scenario.users} users for {scenario.seconds:g}s against {host}"
              + (f" ({scenario.shape} shape)" if scenario.shape else ""), flush=True)
        result = run_locust(scenario, host, pushgateway=pushgateway, progress=_progress_printer())
    finally:
        if stack is not None:
            stack.stop()
    verdicts = evaluate(result)
    print(f"{result.requests} requests, {result.failures} failures, {result.rps:.0f} req/s")
    for verdict in verdicts:
        print(verdict.line())
    return 0 if all(v.passed for v in verdicts) else 1


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
