"""Load generator and service capacity, side by side: wrk and Locust (FastHttpUser, one process)
against the same demo-service endpoint in the same run, requests/s and p50/p95.

    python benchmarks/load.py [--seconds 10] [--connections 32] [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.load.locust_run import run_locust  # noqa: E402
from monsuite.load.scenario import LoadScenario  # noqa: E402
from monsuite.ports import free_port  # noqa: E402
from monsuite.waits import wait_until  # noqa: E402

ENDPOINT = "/api/v1/automations"


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(p):
        match = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50_ms": latency(50), "p90_ms": latency(90), "p99_ms": latency(99)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    add_out_option(parser, "load")
    args = parser.parse_args()
    port = free_port()
    demo = subprocess.Popen([sys.executable, "-m", "monsuite.demo", f"--port={port}", "--no-access-log"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import requests

        wait_until(lambda: requests.get(f"{url}/live", timeout=1).status_code == 200, timeout=20, what="the demo service")
        by_wrk = wrk(url + ENDPOINT, args.seconds, args.connections)
        scenario = LoadScenario("capacity", None, args.connections, args.connections, args.seconds, None, {})
        result = run_locust(scenario, url, locustfile=REPO / "loadtests" / "capacity_locustfile.py")
        by_locust = {"rps": round(result.rps, 1), "p50_ms": result.percentile_ms(0.5), "p95_ms": result.percentile_ms(0.95),
                     "requests": result.requests, "failures": result.failures}
    finally:
        demo.terminate()
        demo.wait(timeout=10)
    ratio = by_locust["rps"] / by_wrk["rps"]
    print(f"wrk    (1 thread, {args.connections} connections): {by_wrk['rps']:.0f} req/s, p50 {by_wrk['p50_ms']:.2f} ms, p99 {by_wrk['p99_ms']:.2f} ms")
    print(f"Locust (FastHttpUser, {args.connections} users, 1 process): {by_locust['rps']:.0f} req/s, "
          f"p50 {by_locust['p50_ms']:.0f} ms, p95 {by_locust['p95_ms']:.0f} ms; {ratio:.0%} of wrk (goal >= 80 %)")
    return write_result({"benchmark": "load", "endpoint": ENDPOINT, "seconds": args.seconds, "wrk": by_wrk,
                         "locust": by_locust, "locust_to_wrk": round(ratio, 3)}, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
