"""Fault -> delivered notification latency on a bare alert path, and the time of the whole
ci-profile alert campaign of the default stack.

Trials: a series pushed to the Pushgateway (the fault), scraped every 1 s; an instant alert
(`for: 0`) evaluated every 1 s; Alertmanager with group_wait 0 and one group per trial; a webhook
sink. Each stage comes from the components' own timestamps (Prometheus samples and ALERTS series,
Alertmanager's log, the sink's arrival time). The worst case is S + E + F + G = 1 + 1 + 0 + 0 s.

    python benchmarks/alert_latency.py [--trials 20] [--runtime process] [--no-suite] [--out FILE]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monsuite.alerts.timeline import alert_state_at, alertmanager_received_at, visible_at  # noqa: E402
from monsuite.clients.prometheus import PrometheusClient  # noqa: E402
from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.manifest import load_manifest  # noqa: E402
from monsuite.sinks.client import SinkClient  # noqa: E402
from monsuite.run import Run  # noqa: E402

WORST_MS = 1000 + 1000 + 0 + 0  # S + E + F + G


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run_trials(trials: int, runtime: str) -> dict:
    stack = Run.of(str(REPO / "stacks" / "bench-latency"), runtime=runtime, profile="real").new_stack()
    stack.start()
    try:
        prom = PrometheusClient(stack.url("prometheus"))
        sinks = SinkClient(stack.url("sinks"))
        push = stack.url("pushgateway")
        rows = []
        for trial in range(trials):
            time.sleep(random.uniform(0, 1))  # a random phase against the scrape/evaluation grid
            since = sinks.deliveries()[-1]["id"] if sinks.deliveries() else 0
            group = f"{push}/metrics/job/benchmark/trial/{trial}"
            fault_at = time.time()
            requests.put(group, data="monsuite_benchmark_fault 1\n", timeout=5).raise_for_status()

            def is_trial(d, status):
                return d["body"].get("status") == status and any(a["labels"].get("trial") == str(trial) for a in d["body"]["alerts"])

            delivered = sinks.wait_for("webhook", match=lambda d: is_trial(d, "firing"), timeout=15, since_id=since)[0]
            requests.delete(group, timeout=5)
            sinks.wait_for("webhook", match=lambda d: is_trial(d, "resolved"), timeout=15, since_id=since)
            now = time.time()
            labels = {"trial": str(trial)}
            visible = visible_at(prom, {"series": f'monsuite_benchmark_fault{{trial="{trial}"}}', "when": "== 1"}, fault_at, now)
            firing = alert_state_at(prom, "BenchmarkFault", "firing", labels, fault_at, now)
            received = alertmanager_received_at(stack.read_log("alertmanager"), "BenchmarkFault", firing) if firing else None
            row = {"trial": trial, "fault_to_visible_ms": visible and (visible - fault_at) * 1000,
                   "fault_to_firing_ms": firing and (firing - fault_at) * 1000,
                   "firing_to_alertmanager_ms": received and firing and (received - firing) * 1000,
                   "alertmanager_to_delivered_ms": received and (delivered["arrived_at"] - received) * 1000,
                   "fault_to_delivered_ms": (delivered["arrived_at"] - fault_at) * 1000}
            rows.append({k: (round(v, 1) if isinstance(v, float) else v) for k, v in row.items()})
        totals = [r["fault_to_delivered_ms"] for r in rows]
        after_firing = [r["firing_to_alertmanager_ms"] + r["alertmanager_to_delivered_ms"] for r in rows
                        if r["firing_to_alertmanager_ms"] is not None and r["alertmanager_to_delivered_ms"] is not None]
        return {
            "runtime": {n: h.runtime for n, h in stack.handles.items()},
            "trials": rows,
            "fault_to_delivered_ms": {"median": statistics.median(totals), "p95": percentile(totals, 0.95), "max": max(totals),
                                      "min": min(totals)},
            "firing_to_delivered_ms": {"median": statistics.median(after_firing), "max": max(after_firing)} if after_firing else None,
            "worst_case_floor_ms": WORST_MS,
            "median_to_worst_ratio": round(statistics.median(totals) / WORST_MS, 3),
            "trials_within_worst_plus_200ms": sum(t <= WORST_MS + 200 for t in totals),
        }
    finally:
        stack.stop()


def run_suite(runtime: str) -> dict:
    from monsuite.alerts.campaign import coverage
    from monsuite.alerts.scenarios import load_for_stack

    manifest = load_manifest(REPO / "stacks" / "default")
    scenarios, rules = load_for_stack(manifest)
    run = Run.of(str(manifest.directory), runtime=runtime, profile="ci")
    stack = run.new_stack()
    t0 = time.monotonic()
    stack.start()
    try:
        campaign = run.campaign(stack, scenarios=scenarios, rules=rules, log=lambda message: None)
        campaign.run()
        per_scenario = {name: {"status": r.status, "fault_to_delivered_ms": r.stage_ms()["fault_to_delivered"],
                               "worst_ms": r.floors.worst_total_ms if r.floors else None, "wall_seconds": round(r.wall_seconds, 2)}
                        for name, r in campaign.results.items()}
        without_history = [r.wall_seconds for r in campaign.results.values() if r.scenario != "execution-volume-drop"]
        return {"stack_start_seconds": round(stack.usable_seconds, 2), "campaign_seconds": round(campaign.seconds, 2),
                "including_stack_start_seconds": round(time.monotonic() - t0, 2),
                "longest_scenario_without_history_wait_seconds": round(max(without_history), 2),
                "time_scale": stack.profile_values["time_scale"], "coverage": coverage(campaign.results, rules),
                "scenarios": per_scenario}
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--runtime", default="process", choices=("process", "docker", "auto"))
    parser.add_argument("--no-suite", action="store_true", help="skip timing the default stack's alert campaign")
    add_out_option(parser, "alert_latency")
    args = parser.parse_args()
    result = {"benchmark": "alert_latency", "trials": run_trials(args.trials, args.runtime)}
    t = result["trials"]
    print(f"fault -> delivered over {args.trials} trials ({args.runtime}): median {t['fault_to_delivered_ms']['median']:.0f} ms, "
          f"p95 {t['fault_to_delivered_ms']['p95']:.0f} ms, max {t['fault_to_delivered_ms']['max']:.0f} ms; "
          f"worst-case floor {WORST_MS} ms (median ratio {t['median_to_worst_ratio']}); "
          f"{t['trials_within_worst_plus_200ms']}/{args.trials} within floor + 200 ms")
    if t["firing_to_delivered_ms"]:
        print(f"firing -> delivered (Prometheus send + Alertmanager + sink): median {t['firing_to_delivered_ms']['median']:.1f} ms, "
              f"max {t['firing_to_delivered_ms']['max']:.1f} ms")
    if not args.no_suite:
        suite = run_suite(args.runtime)
        result["suite"] = suite
        print(f"default-stack alert campaign (ci, time scale {suite['time_scale']}): {suite['campaign_seconds']} s "
              f"({suite['coverage']['alerts_exercised']}/{suite['coverage']['alerts_defined']} alerts); longest scenario "
              f"without the history wait {suite['longest_scenario_without_history_wait_seconds']} s; stack start {suite['stack_start_seconds']} s")
    return write_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
