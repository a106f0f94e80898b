"""Load generation and service capacity, side by side in one run:

1. the load generator's ceiling: Locust (FastHttpUser) as one process vs its distributed mode with
   N workers, against Debian's nginx serving a static file on 127.0.0.1 (not the bottleneck);
2. the demo service vs a minimal Starlette app with the same prometheus_client instrumentation
   (benchmarks/minimal_app.py), wrk with 32 connections on the same endpoint, rounds interleaved so
   both see the same machine; goal: the demo >= 85 % of the minimal app;
3. wrk vs one Locust process against the demo's business endpoint.

    python benchmarks/load.py [--seconds 5] [--rounds 3] [--workers 2] [--connections 32] [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.load.calibrate import CAPACITY_LOCUSTFILE, calibrate  # noqa: E402
from monsuite.load.locust_run import run_locust  # noqa: E402
from monsuite.load.scenario import LoadScenario  # noqa: E402
from monsuite.ports import free_port  # noqa: E402
from monsuite.waits import wait_until  # noqa: E402

ENDPOINT = "/api/v1/automations"
DEMO_GOAL = 0.85


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(p):
        match = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50_ms": latency(50), "p90_ms": latency(90), "p99_ms": latency(99)}


@contextmanager
def served(command: list[str], ready_path: str):
    """A service on a free port (the command's last argument is completed with it), stopped by PID."""
    port = free_port()
    process = subprocess.Popen([*command[:-1], command[-1].format(port=port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(url + ready_path, timeout=1).status_code == 200, timeout=30, what=url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def demo_vs_minimal(seconds: int, rounds: int, connections: int) -> dict:
    demo = [sys.executable, "-m", "monsuite.demo", "--port={port}"]
    minimal = [sys.executable, str(REPO / "benchmarks" / "minimal_app.py"), "{port}"]
    with served(demo, "/live") as demo_url, served(minimal, ENDPOINT) as minimal_url:
        runs = {"demo": [], "minimal": []}
        for _ in range(rounds):  # interleaved: a busy moment of the machine hits both
            runs["minimal"].append(wrk(minimal_url + ENDPOINT, seconds, connections)["rps"])
            runs["demo"].append(wrk(demo_url + ENDPOINT, seconds, connections)["rps"])
        live = wrk(demo_url + "/live", seconds, connections)["rps"]
    demo_rps, minimal_rps = statistics.median(runs["demo"]), statistics.median(runs["minimal"])
    return {"endpoint": ENDPOINT, "rounds": runs, "demo_rps": demo_rps, "minimal_rps": minimal_rps,
            "ratio": round(demo_rps / minimal_rps, 3), "goal": DEMO_GOAL, "demo_live_rps": live,
            "demo_configuration": "as a stack starts it, JSON access log on, no OTLP endpoint"}


def wrk_vs_locust(seconds: int, connections: int) -> dict:
    with served([sys.executable, "-m", "monsuite.demo", "--no-access-log", "--port={port}"], "/live") as url:
        by_wrk = wrk(url + ENDPOINT, seconds, connections)
        scenario = LoadScenario("capacity", None, connections, connections, seconds, None, {})
        result = run_locust(scenario, url, locustfile=CAPACITY_LOCUSTFILE)
    by_locust = {"rps": round(result.rps, 1), "p50_ms": result.percentile_ms(0.5), "p95_ms": result.percentile_ms(0.95),
                 "requests": result.requests, "failures": result.failures}
    return {"wrk": by_wrk, "locust": by_locust, "locust_to_wrk": round(by_locust["rps"] / by_wrk["rps"], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    add_out_option(parser, "load")
    args = parser.parse_args()

    generator = calibrate(args.workers, users=args.connections, seconds=args.seconds)
    print("\n".join(generator.lines()))
    capacity = demo_vs_minimal(args.seconds, args.rounds, args.connections)
    print(f"demo service   {capacity['demo_rps']:>8.0f} req/s on {ENDPOINT} (median of {args.rounds}; /live "
          f"{capacity['demo_live_rps']:.0f})")
    print(f"minimal app    {capacity['minimal_rps']:>8.0f} req/s (same instrumentation); demo at "
          f"{capacity['ratio']:.0%} (goal >= {DEMO_GOAL:.0%})")
    side = wrk_vs_locust(args.seconds, args.connections)
    print(f"wrk {side['wrk']['rps']:.0f} req/s vs one Locust process {side['locust']['rps']:.0f} req/s on the demo "
          f"({side['locust_to_wrk']:.0%})")
    return write_result({"benchmark": "load", "seconds": args.seconds, "connections": args.connections,
                         "generator": generator.to_json(), "demo_vs_minimal": capacity, "wrk_vs_locust": side}, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
