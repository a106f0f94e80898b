"""What tracing costs the demo service, and what the OTLP receiver takes in, side by side in one run:
wrk against the same endpoint with tracing off and with every request traced (sampling 1.0, exported over
OTLP/HTTP to the sinks' receiver); spans the receiver kept per second. Goal: tracing costs <= 15 %.

    python benchmarks/tracing.py [--seconds 10] [--connections 32] [--out FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.load import ENDPOINT, wrk  # noqa: E402
from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.ports import free_ports  # noqa: E402
from monsuite.sinks.client import SinkClient  # noqa: E402
from monsuite.waits import wait_until  # noqa: E402


@contextmanager
def process(argv: list[str], ready_url: str):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: requests.get(ready_url, timeout=1).status_code == 200, timeout=30, what=ready_url)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    add_out_option(parser, "tracing")
    args = parser.parse_args()
    sink_port, smtp_port, off_port, on_port = free_ports(4)
    sinks_url = f"http://127.0.0.1:{sink_port}"
    results = {}
    with process([sys.executable, "-m", "monsuite.sinks", f"--http-port={sink_port}", f"--smtp-port={smtp_port}"],
                 f"{sinks_url}/healthz"):
        demo = [sys.executable, "-m", "monsuite.demo", "--no-access-log"]
        with process([*demo, f"--port={off_port}"], f"http://127.0.0.1:{off_port}/live"):
            results["off"] = wrk(f"http://127.0.0.1:{off_port}{ENDPOINT}", args.seconds, args.connections)
        receiver = SinkClient(sinks_url)
        with process([*demo, f"--port={on_port}", f"--otlp-endpoint={sinks_url}/v1/traces", "--trace-sampling=1.0"],
                     f"http://127.0.0.1:{on_port}/live"):
            before, started = receiver.span_summary()["spans"], time.monotonic()
            results["on"] = wrk(f"http://127.0.0.1:{on_port}{ENDPOINT}", args.seconds, args.connections)
            spans = receiver.span_summary()["spans"] - before
            results["spans_received_per_second"] = round(spans / (time.monotonic() - started), 1)
    cost = 1 - results["on"]["rps"] / results["off"]["rps"]
    results.update({"endpoint": ENDPOINT, "seconds": args.seconds, "tracing_cost": round(cost, 3), "goal_cost": 0.15})
    print(f"tracing off: {results['off']['rps']:.0f} req/s; on (sampling 1.0): {results['on']['rps']:.0f} req/s; "
          f"cost {cost:.1%} (goal <= 15 %); receiver kept {results['spans_received_per_second']:.0f} spans/s")
    return write_result(results, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
