"""The calibrated CPU fault, idle and beside competing load: the CPU rate the demo service's process
reaches (what process_cpu_seconds_total shows), per second, with stress-ng busy on 0..N cores.

    python benchmarks/cpu_burner.py [--seconds 8] [--out FILE]

A CPU alert's scenario needs the same metric on a busy machine as on an idle one: the burner should
hold ~1.0 cores whatever competes with it (the rule fires above 0.8).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.demo.burners import CpuBurner  # noqa: E402


def measure(seconds: int) -> dict:
    burner = CpuBurner()
    rates = []
    cpu, wall = time.process_time(), time.monotonic()
    burner.set(True)
    try:
        for _ in range(seconds):
            time.sleep(1)
            now_cpu, now_wall = time.process_time(), time.monotonic()
            rates.append(round((now_cpu - cpu) / (now_wall - wall), 3))
            cpu, wall = now_cpu, now_wall
    finally:
        burner.set(False)
    steady = rates[1:]
    return {"rates_per_second": rates, "first_second": rates[0], "steady_mean": round(statistics.mean(steady), 3),
            "steady_min": min(steady), "threads": burner.threads}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    add_out_option(parser, "cpu_burner")
    args = parser.parse_args()
    stress = shutil.which("stress-ng")
    result = {"cores": os.cpu_count(), "runs": []}
    for competing in range(0, (os.cpu_count() or 1) + 1 if stress else 1):
        proc = None
        if competing:
            proc = subprocess.Popen([stress, "--cpu", str(competing), "--timeout", f"{args.seconds + 30}s", "--quiet"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            run = {"competing_busy_cores": competing, **measure(args.seconds)}
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
        result["runs"].append(run)
        print(f"{competing} busy cores beside it: first second {run['first_second']:.2f} cores, then mean "
              f"{run['steady_mean']:.2f} (min {run['steady_min']:.2f}) with {run['threads']} threads")
    return write_result(result, args.out)


if __name__ == "__main__":
    sys.exit(main())
