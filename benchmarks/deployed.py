"""Reading configuration as deployed: a folder of 50 PrometheusRule manifests holding 5,000 rules (half
alerting, half recording), plus 50 objects of other kinds, read and unwrapped into plain rule files and
parsed (goal <= 2 s); also the same objects as one `helm template` stream.

    python benchmarks/deployed.py [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.deployed import rules  # noqa: E402
from monsuite.rules.model import load_rules  # noqa: E402

OBJECTS, RULES_PER_OBJECT, GOAL_SECONDS = 50, 100, 2.0


def prometheus_rule(index: int) -> dict:
    group = []
    for n in range(RULES_PER_OBJECT // 2):
        group.append({"record": f"job:requests_{index}_{n}:rate5m", "expr": f'sum by (job) (rate(http_requests_total{{code=~"5..", shard="{n}"}}[5m]))'})
        group.append({"alert": f"HighErrors{index}x{n}", "expr": f"job:requests_{index}_{n}:rate5m > 0.05", "for": "10m",
                      "labels": {"severity": "page"}, "annotations": {"summary": "{{ $labels.job }} fails"}})
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": f"team-{index}", "namespace": f"ns-{index % 7}"}, "spec": {"groups": [{"name": f"team-{index}", "rules": group}]}}


def other(index: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{index}"}, "spec": {"ports": [{"port": 80}]}}


def timed(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    count = sum(len(load_rules(p)) for p in rules.rule_files(path))
    return time.perf_counter() - started, count


def main_benchmark() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    add_out_option(parser, "deployed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / "manifests"
        folder.mkdir()
        for i in range(OBJECTS):
            (folder / f"team-{i}-prometheusRule.yaml").write_text(yaml.safe_dump(prometheus_rule(i)))
            (folder / f"svc-{i}-service.yaml").write_text(yaml.safe_dump(other(i)))
        stream = Path(directory) / "rendered.yaml"
        stream.write_text("---\n".join(p.read_text() for p in sorted(folder.iterdir())))
        size = sum(p.stat().st_size for p in folder.iterdir())
        results = {}
        for name, path in (("folder", folder), ("stream", stream)):
            runs = [timed(path) for _ in range(args.runs)]
            assert all(count == OBJECTS * RULES_PER_OBJECT for _, count in runs), runs
            seconds = [s for s, _ in runs]
            results[name] = {"median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)}
            print(f"{name}: {OBJECTS * RULES_PER_OBJECT} rules ({size / 1e6:.1f} MB) read, unwrapped and parsed: "
                  f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s over {args.runs} runs (goal <= {GOAL_SECONDS} s)")
    return write_result({"rules": OBJECTS * RULES_PER_OBJECT, "objects": OBJECTS * 2, "bytes": size, "runs": args.runs,
                         "goal_seconds": GOAL_SECONDS, **results}, args.out)


if __name__ == "__main__":
    sys.exit(main_benchmark())
