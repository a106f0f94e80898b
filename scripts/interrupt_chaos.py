"""Every interruption point of tests/chaos.py, one after another; prints a line per point, writes JSON.

    .venv/bin/python scripts/interrupt_chaos.py [--out benchmarks/results/interrupt_chaos.json] [--only up]

Exit status 1 if any point left something behind or did not end as interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monsuite.runtimes import docker  # noqa: E402
from tests.chaos import POINTS, clean_up, run_point  # noqa: E402
from tests.test_interrupt_chaos import INTERRUPTED_EXIT  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/interrupt_chaos.json")
    parser.add_argument("--only", choices=sorted(INTERRUPTED_EXIT), help="only points of this command")
    args = parser.parse_args()
    results, failed = [], 0
    for point in POINTS:
        if args.only and point.command != args.only:
            continue
        if point.runtime == "docker" and docker.client() is None:
            print(f"skip {point.name}: no Docker daemon")
            continue
        with tempfile.TemporaryDirectory(prefix="monsuite-chaos-") as tmp:
            started = time.monotonic()
            outcome = run_point(point, Path(tmp))
            problems = outcome.problems(Path(tmp) / "state.json")
            if not outcome.reached:
                problems.append("the run ended before the point")
            if outcome.returncode != INTERRUPTED_EXIT[point.command]:
                problems.append(f"exit {outcome.returncode}, not {INTERRUPTED_EXIT[point.command]}")
            clean_up(Path(tmp))
        failed += bool(problems)
        seconds = time.monotonic() - started
        print(f"{'ok  ' if not problems else 'FAIL'} {point.name} ({seconds:.1f}s){': ' + '; '.join(problems) if problems else ''}",
              flush=True)
        results.append({"point": point.name, "in_ci": point.in_ci, "seconds": round(seconds, 2),
                        "exit": outcome.returncode, "problems": problems})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"points": results, "failed": failed}, indent=2) + "\n")
    print(f"{len(results) - failed}/{len(results)} points left nothing behind; {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
