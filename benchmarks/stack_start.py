"""Cold start of the default stack to *usable*, per runtime, over several runs.

Usable means: every component's readiness check passed, every Prometheus target scraped once and
up, and Alertmanager discovered by Prometheus (/api/v1/alertmanagers). Writes JSON and prints a table.

    python benchmarks/stack_start.py [--runs 5] [--runtimes process,docker] [--out FILE]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.run import Run  # noqa: E402

CORE = ("prometheus", "alertmanager", "node_exporter", "blackbox_exporter", "pushgateway", "demo", "sinks")


def one_run(runtime: str, stack_dir: Path) -> dict:
    stack = Run.of(str(stack_dir), runtime=runtime, profile="ci").new_stack()
    t0 = time.monotonic()
    try:
        stack.start()
        usable = time.monotonic() - t0
        components = {n: {"runtime": h.runtime, "ready_seconds": round(h.ready_seconds, 3)} for n, h in stack.handles.items()}
        all_ready = max(h.ready_seconds for h in stack.handles.values())
        prometheus_ready = stack.handles["prometheus"].ready_seconds
    finally:
        t1 = time.monotonic()
        stack.stop()
        stop_seconds = time.monotonic() - t1
    return {
        "usable_seconds": round(usable, 3),
        "all_components_ready_seconds": round(all_ready, 3),
        "prometheus_ready_to_usable_seconds": round(usable - prometheus_ready, 3),
        "stop_seconds": round(stop_seconds, 3),
        "components": components,
    }


def summarise(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runtimes", default="process,docker")
    parser.add_argument("--stack", default=str(REPO / "stacks" / "default"))
    add_out_option(parser, "stack_start")
    args = parser.parse_args()
    result = {"benchmark": "stack_start", "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
              "target_seconds": 7.0, "runtimes": {}}
    print(f"{'runtime':<9} {'usable s (median/min/max)':<28} {'all ready s':<12} {'prom ready->usable s':<22} {'stop s':<8}")
    for runtime in args.runtimes.split(","):
        runs = [one_run(runtime, Path(args.stack)) for _ in range(args.runs)]
        usable = summarise([r["usable_seconds"] for r in runs])
        entry = {
            "runs": runs,
            "usable_seconds": usable,
            "all_components_ready_seconds": summarise([r["all_components_ready_seconds"] for r in runs]),
            "prometheus_ready_to_usable_seconds": summarise([r["prometheus_ready_to_usable_seconds"] for r in runs]),
            "stop_seconds": summarise([r["stop_seconds"] for r in runs]),
            "core_runtimes": {n: runs[0]["components"][n]["runtime"] for n in CORE if n in runs[0]["components"]},
            "meets_target": usable["max"] <= result["target_seconds"],
        }
        result["runtimes"][runtime] = entry
        print(f"{runtime:<9} {usable['median']:>6.2f} / {usable['min']:.2f} / {usable['max']:.2f}{'':<10}"
              f"{entry['all_components_ready_seconds']['median']:>8.2f}    "
              f"{entry['prometheus_ready_to_usable_seconds']['median']:>10.2f}{'':<12}{entry['stop_seconds']['median']:>6.2f}")
    return write_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
