"""Dashboard load time: every panel of a dashboard sent to Prometheus at once (as Grafana does), the
wall time until the last answer; the default stack's dashboards and the public Node Exporter Full
and Prometheus dashboards, median of several loads.

    python benchmarks/dashboards.py [--runs 10] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.dashboards.model import load_dashboard  # noqa: E402
from monsuite.dashboards.runner import DEFAULT_MAX_DATA_POINTS, run_dashboard  # noqa: E402
from monsuite.dashboards.variables import interval_ms, parse_relative  # noqa: E402
from monsuite.manifest import load_manifest  # noqa: E402
from monsuite.run import Run  # noqa: E402
from monsuite.timescale import parse_ms  # noqa: E402
from monsuite.waits import wait_until  # noqa: E402

from tests import reference_configs  # noqa: E402 - where the public dashboards are read from (never copied here)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--runtime", default="process", choices=("process", "docker", "auto"))
    add_out_option(parser, "dashboards")
    args = parser.parse_args()
    manifest = load_manifest(REPO / "stacks" / "default")
    files = sorted((manifest.directory / "dashboards").glob("*.json"))
    if reference_configs.available():
        files += [reference_configs.public_dashboard(name) for name in sorted(reference_configs.PUBLIC_DASHBOARDS)]
    else:
        print(f"dashboards: the public dashboards are left out: {reference_configs.MISSING_REASON}")
    stack = Run.of(str(manifest.directory), runtime=args.runtime, profile="ci").new_stack()
    stack.start()
    started = time.time()
    result = {"benchmark": "dashboards", "runs": args.runs, "goal_seconds": 0.5, "target_seconds": 2.0, "dashboards": {}}
    try:
        url, scrape_ms = stack.first_url("prometheus"), parse_ms(stack.profile_values["scrape_interval"])
        for path in files:
            dashboard = load_dashboard(path)
            # a dashboard's step must have elapsed since the stack started (a 24 h dashboard steps by the minute)
            end = time.time()
            range_ms = int((end - parse_relative(dashboard.time_from, end)) * 1000)
            ready_at = started + interval_ms(range_ms, DEFAULT_MAX_DATA_POINTS, scrape_ms) / 1000 + 5
            time.sleep(max(0.0, ready_at - time.time()))  # history cannot be hurried
            first = wait_until(lambda: run_dashboard(dashboard, url, scrape_ms=scrape_ms), timeout=60, interval=2,
                               what=f"data in {path.name}", accept=lambda r: any(p.has_data for p in r.panels))
            loads = [run_dashboard(dashboard, url, scrape_ms=scrape_ms).load_seconds for _ in range(args.runs)]
            runnable = [p for p in first.panels if p.runnable]
            entry = {"title": dashboard.title, "panels": len(runnable), "queries": sum(len(p.queries) for p in runnable),
                     "panels_with_data": sum(p.has_data for p in runnable),
                     "load_ms_median": round(statistics.median(loads) * 1000, 1), "load_ms_max": round(max(loads) * 1000, 1)}
            result["dashboards"][path.name] = entry
            print(f"{dashboard.title:<28} {entry['panels']:>4} panels ({entry['queries']} queries), "
                  f"{entry['panels_with_data']} with data: load median {entry['load_ms_median']} ms, max {entry['load_ms_max']} ms")
    finally:
        stack.stop()
    return write_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
