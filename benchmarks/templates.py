"""Notification templates rendered by a real Alertmanager: for the shipped stacks, the notifications
rendered (receivers x alerts x one/several x firing/resolved), findings per class (accepted ones too), and
the wall time of a whole render (goal: <= 30 s for the default stack), per Alertmanager release.

    python benchmarks/templates.py [--stacks default seed-003 seed-004] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.components import build  # noqa: E402
from monsuite.runtimes.process import find_binary  # noqa: E402
from monsuite.templates.check import check_stack  # noqa: E402

GOAL_SECONDS = 30.0


def releases() -> dict[str, str]:
    found = {"debian": find_binary(("prometheus-alertmanager", "alertmanager"))}
    current = build.binary("alertmanager", "alertmanager")
    if current and Path(current).exists():
        found["current"] = current
    return {name: binary for name, binary in found.items() if binary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", nargs="+", default=["default", "seed-003", "seed-004"])
    add_out_option(parser, "templates")
    args = parser.parse_args()
    results = []
    for stack in args.stacks:
        for release, binary in releases().items():
            report = check_stack(stack, alertmanager=binary)
            row = {"stack": stack, "release": release, "alertmanager": report.run.version,
                   "receivers": len({c.receiver for c in report.run.cases}), "example_alerts": len(report.examples.alerts),
                   "cases": len(report.run.cases), "notifications": len(report.run.rendered),
                   "findings": dict(Counter(f.kind for f in report.findings)),
                   "accepted": dict(Counter(f.kind for f, _ in report.accepted)),
                   "golden_differences": None if report.mismatches is None else len(report.mismatches),
                   "seconds": {k: round(v, 2) for k, v in report.seconds.items()}}
            results.append(row)
            print(f"{stack:10} {release:8} {row['notifications']:4} notifications ({row['receivers']} receivers, "
                  f"{row['example_alerts']} alerts) in {row['seconds']['total']:5.1f} s; findings {row['findings'] or 0}, "
                  f"accepted {row['accepted'] or 0}, golden differences {row['golden_differences']}")
    default = [r["seconds"]["total"] for r in results if r["stack"] == "default"]
    summary = {"goal_seconds": GOAL_SECONDS, "default_worst_seconds": max(default) if default else None}
    print(f"default stack: worst {summary['default_worst_seconds']} s (goal <= {GOAL_SECONDS:.0f} s)")
    return write_result({"runs": results, **summary}, args.out)


if __name__ == "__main__":
    sys.exit(main())
