"""Notification throughput through Alertmanager to the sinks, and routing cases per second against amtool.

    python benchmarks/notifications.py [--alerts 1000] [--cases 1000] [--out FILE]

Deliveries: N distinct alerts (one group each) posted at once to a real Alertmanager (group_wait 0)
whose webhook receiver is the HTTP sink; counted until every alert's notification arrived, healthy
and with the sink failing 30 % of requests. Routing: N label sets through the default stack's routing
tree, in one batch on a live Alertmanager vs one amtool process per case.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monsuite.clients.alertmanager import AlertmanagerClient, alert  # noqa: E402
from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.routing.cases import Cases, RouteCase  # noqa: E402
from monsuite.routing.config import write_routing_only  # noqa: E402
from monsuite.routing.engines import LiveAlertmanager, amtool_routes, live_routes  # noqa: E402
from monsuite.sinks.client import SinkClient  # noqa: E402
from monsuite.run import Run  # noqa: E402
from monsuite.waits import wait_until  # noqa: E402


def deliveries(n: int, failing: float) -> dict:
    stack = Run.of(str(REPO / "stacks" / "bench-latency"), runtime="process", profile="real").new_stack()
    stack.start()
    try:
        am, sinks = AlertmanagerClient(stack.url("alertmanager")), SinkClient(stack.url("sinks"))
        if failing:
            sinks.fail(fraction=failing, receiver="webhook")
        names = {f"Burst{i}" for i in range(n)}
        posted = time.time()
        am.post_alerts([alert({"alertname": name, "trial": name}) for name in names])

        def arrived():
            return [d for d in sinks.deliveries(receiver="webhook") if d["body"].get("status") == "firing"]

        found = wait_until(arrived, timeout=300, what=f"{n} notifications", interval=0.2,
                           accept=lambda ds: {d["body"]["alerts"][0]["labels"]["alertname"] for d in ds} >= names)
        per_alert = {}
        for d in found:
            per_alert.setdefault(d["body"]["alerts"][0]["labels"]["alertname"], []).append(d["arrived_at"] - posted)
        first = sorted(min(v) for v in per_alert.values())
        return {"alerts": n, "failing_fraction": failing, "lost": len(names - set(per_alert)),
                "duplicates": sum(len(v) - 1 for v in per_alert.values()), "rejected_attempts": len(sinks.rejected()),
                "seconds_to_last": round(first[-1], 3), "deliveries_per_second": round(n / first[-1], 1),
                "latency_p50_s": round(statistics.median(first), 3), "latency_p95_s": round(first[int(0.95 * (n - 1))], 3)}
    finally:
        stack.stop()


def routing(n: int, amtool_sample: int) -> dict:
    severities = ["critical", "emergency", "warning", "info", "debug", None]
    teams = ["platform", "database", "infrastructure", "payments", None]
    label_sets = []
    for i, (severity, team) in zip(range(n), itertools.cycle(itertools.product(severities, teams))):
        labels = {"alertname": f"Case{i}", "cluster": "windmill-platform"}
        if severity:
            labels["severity"] = severity
        if team:
            labels["team"] = team
        label_sets.append(labels)
    cases = Cases(tuple(RouteCase(labels, ()) for labels in label_sets), (), ())
    sample = Cases(cases.routes[:amtool_sample], (), ())
    with tempfile.TemporaryDirectory() as tmp:
        config = write_routing_only(REPO / "stacks" / "default" / "alertmanager.yml.j2", Path(tmp) / "am.yml")
        started = time.perf_counter()
        amtool = amtool_routes(config, sample)
        amtool_per_case = (time.perf_counter() - started) / amtool_sample
        started = time.perf_counter()
        with LiveAlertmanager(config) as am:
            live = live_routes(am, cases)
        live_per_case = (time.perf_counter() - started) / n
    agree = sum(a == b for a, b in zip(amtool, live[:amtool_sample]))
    return {"cases": n, "amtool_cases_timed": amtool_sample, "amtool_ms_per_case": round(amtool_per_case * 1000, 3),
            "live_ms_per_case_including_alertmanager_start": round(live_per_case * 1000, 3),
            "speedup": round(amtool_per_case / live_per_case, 1), "agreeing_cases": f"{agree}/{amtool_sample}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--amtool-sample", type=int, default=100, help="routing cases timed with amtool")
    add_out_option(parser, "notifications")
    args = parser.parse_args()
    result = {"benchmark": "notifications", "deliveries": [deliveries(args.alerts, 0.0), deliveries(args.alerts, 0.3)],
              "routing": routing(args.cases, args.amtool_sample)}
    for d in result["deliveries"]:
        print(f"{d['alerts']} alerts, receiver failing {d['failing_fraction']:.0%}: {d['deliveries_per_second']} deliveries/s, "
              f"p50 {d['latency_p50_s']} s, p95 {d['latency_p95_s']} s, lost {d['lost']}, duplicates {d['duplicates']}, "
              f"rejected attempts {d['rejected_attempts']}")
    r = result["routing"]
    print(f"routing: {r['cases']} cases on a live Alertmanager {r['live_ms_per_case_including_alertmanager_start']} ms/case "
          f"vs amtool {r['amtool_ms_per_case']} ms/case: {r['speedup']}x; agreement {r['agreeing_cases']}")
    return write_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
