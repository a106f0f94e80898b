"""The SLO report's own speed: 6 SLOs (Sloth and OpenSLO, ratio and threshold) over 30 days of
backfilled history in a real Prometheus, `monsuite slo report` timed end to end (goal <= 5 s).

    python benchmarks/slo_report.py [--runs 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.cli import main  # noqa: E402
from tests.slo_history import HistoryPrometheus  # noqa: E402

SLOTH = """version: prometheus/v1
service: demo
slos:
""" + "".join(f"""  - name: availability-{objective}
    objective: {objective}
    sli:
      events:
        error_query: sum(rate(demo_requests_total{{code=~"5.."}}[{{{{.window}}}}]))
        total_query: sum(rate(demo_requests_total[{{{{.window}}}}]))
""" for objective in (99, 99.9, 99.95))
OPENSLO = "\n---\n".join(f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: demo
  indicator:
    metadata: {{name: {name}-sli}}
    spec:
{indicator}
  timeWindow: [{{duration: 30d, isRolling: true}}]
  budgetingMethod: {method}
  objectives: [{objective}]
""" for name, indicator, method, objective in (
    ("good-ratio", """      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'demo_requests_total{code="200"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: demo_requests_total}}}""", "Occurrences", "{target: 0.999}"),
    ("bad-ratio", """      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'demo_requests_total{code="500"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: demo_requests_total}}}""", "Occurrences", "{target: 0.9995}"),
    ("latency", """      thresholdMetric:
        metricSource: {type: Prometheus, spec: {query: demo_latency_p95_seconds}}""", "Timeslices",
     "{op: lte, value: 0.5, target: 0.99, timeSliceWindow: 1m}"),
))


def main_benchmark() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    add_out_option(parser, "slo_report")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="monsuite-slo-bench-") as tmp:
        directory = Path(tmp)
        started = time.monotonic()
        prometheus = HistoryPrometheus(directory)
        setup = time.monotonic() - started
        try:
            (directory / "sloth.yaml").write_text(SLOTH)
            (directory / "openslo.yaml").write_text(OPENSLO)
            timings = []
            for run in range(args.runs):
                began = time.monotonic()
                with contextlib.redirect_stdout(io.StringIO()):
                    status = main(["slo", "report", "--spec", str(directory / "sloth.yaml"), str(directory / "openslo.yaml"),
                                   "--prometheus-url", prometheus.url, "--at", str(prometheus.end + 30),
                                   "--out", str(directory / f"out-{run}")])
                timings.append(time.monotonic() - began)
                print(f"run {run + 1}: {timings[-1]:.2f}s (exit {status})")
        finally:
            prometheus.stop()
    result = {"slos": 6, "days": 30, "samples_per_series": len(prometheus.history.times),
              "backfill_and_start_seconds": round(setup, 2), "report_seconds": [round(t, 3) for t in timings],
              "report_median_seconds": round(statistics.median(timings), 3), "goal_seconds": 5.0}
    print(f"6 SLOs over 30 days: report in {result['report_median_seconds']}s (median of {args.runs}; goal <= 5 s); "
          f"history backfilled and Prometheus up in {setup:.1f}s")
    return write_result(result, args.out)


if __name__ == "__main__":
    sys.exit(main_benchmark())
