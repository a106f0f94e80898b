"""The built components, measured: what the cache holds (build time and size per component, as recorded
when it was built), a warm `monsuite components build` (nothing to build), and in one run, alternating,
the default stack's time to usable with Jaeger and without it, and on each Prometheus/Alertmanager release.

    python benchmarks/components.py [--runs 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.components import release  # noqa: E402
from monsuite.components.build import find_built  # noqa: E402
from monsuite.components.recipes import RECIPES  # noqa: E402
from monsuite.manifest import load_manifest  # noqa: E402
from monsuite.run import Run  # noqa: E402


def usable_seconds(manifest) -> float:
    stack = Run.of(str(manifest.directory), runtime="auto", profile="ci").new_stack()
    started = time.monotonic()
    try:
        stack.start()
        return time.monotonic() - started
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    add_out_option(parser, "components")
    args = parser.parse_args()
    result = {"benchmark": "components", "machine": {"cpus": os.cpu_count()}, "built": {}}
    for recipe in RECIPES.values():
        built = find_built(recipe)
        result["built"][recipe.name] = None if built is None else {
            "module": f"{built.module}@{built.version}", "build_seconds": built.seconds, "size_mib": round(built.size_bytes / 2**20)}
        print(built.line() if built else f"{recipe.name}: not built")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "monsuite", "components", "build"], check=True, capture_output=True)
    result["warm_build_seconds"] = round(time.monotonic() - started, 2)
    print(f"warm `monsuite components build`: {result['warm_build_seconds']} s")

    default = load_manifest(REPO / "stacks" / "default")
    without_jaeger = dataclasses.replace(default, components={n: c for n, c in default.components.items() if n != "jaeger"})
    variants = {"with Jaeger (debian)": (default, "debian"), "without Jaeger (debian)": (without_jaeger, "debian"),
                "with Jaeger (current)": (default, "current")}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.runs):  # alternating, so a busy moment does not favour one variant
        for name, (manifest, chosen) in variants.items():
            release.apply(chosen)
            times[name].append(usable_seconds(manifest))
    release.apply("debian")
    result["usable_seconds"] = {name: {"median": round(statistics.median(v), 2), "runs": [round(x, 2) for x in v]}
                                for name, v in times.items()}
    for name, entry in result["usable_seconds"].items():
        print(f"default stack usable, {name:<26} median {entry['median']:.2f} s  {entry['runs']}")
    return write_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
