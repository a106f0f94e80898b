"""Backtesting at scale: 100 alerting rules over 30 days at a 1-minute evaluation interval, against a real
Prometheus holding 31 days of backfilled history (request counters with an incident, a latency gauge);
wall time (goal <= 60 s) and peak memory of monsuite and of Prometheus; then the notifications those
firings send through an Alertmanager config, and the time that takes.

    python benchmarks/backtest.py [--rules 100] [--out FILE]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.backtest.delivery import AlertmanagerPlan, deliver  # noqa: E402
from monsuite.backtest.run import alert_rules, run_backtest  # noqa: E402
from monsuite.clients.prometheus import PrometheusClient  # noqa: E402
from tests.slo_history import HistoryPrometheus  # noqa: E402

GOAL_SECONDS = 60.0
# Odd rules page, even ones go to a ticket queue; a page mutes the tickets of the same rule family.
ALERTMANAGER = """
route:
  receiver: tickets
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - {receiver: pager, matchers: ['severity="page"', 'alertname=~"Rule..[13579]"'], repeat_interval: 1h}
inhibit_rules:
  - {source_matchers: ['alertname=~"Rule..[13579]"'], target_matchers: ['alertname=~"Rule..[02468]"']}
receivers:
  - {name: pager, pagerduty_configs: [{routing_key: k, url: 'http://127.0.0.1:9/'}]}
  - {name: tickets, webhook_configs: [{url: 'http://127.0.0.1:9/'}]}
"""
ERROR_RATIO = ('sum(rate(demo_requests_total{{code="500"}}[{w}])) / sum(rate(demo_requests_total[{w}])) > {t}')


def rule_file(count: int) -> dict:
    rules = []
    for n in range(count):
        if n % 2:
            expr = f"demo_latency_p95_seconds > {0.25 + (n % 10) * 0.06:.2f}"
        else:
            expr = ERROR_RATIO.format(w=("5m", "30m", "1h")[n % 3], t=(0.0005, 0.001, 0.005, 0.01)[n % 4])
        rules.append({"alert": f"Rule{n:03d}", "expr": expr, "for": f"{(n % 4) * 5}m", "labels": {"severity": "page"}})
    return {"groups": [{"name": "bench", "interval": "1m", "rules": rules}]}


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=100)
    add_out_option(parser, "backtest")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="monsuite-bench-backtest-") as work:
        began = time.monotonic()
        prometheus = HistoryPrometheus(Path(work) / "history")
        setup = time.monotonic() - began
        try:
            path = Path(work) / "rules.yml"
            path.write_text(yaml.safe_dump(rule_file(args.rules)))
            start, end = prometheus.history.end - 30 * 86400, prometheus.history.end
            result = run_backtest(PrometheusClient(prometheus.url, timeout=300), alert_rules([path]), start, end)
            prometheus_kib = peak_rss_kib(prometheus.process.pid)
            config = Path(work) / "alertmanager.yml"
            config.write_text(ALERTMANAGER)
            began = time.monotonic()
            delivered = deliver(result, AlertmanagerPlan.read(config))
            delivery_seconds = time.monotonic() - began
        finally:
            prometheus.stop()
    errors = [r.error for r in result.results if r.error]
    own_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = {"rules": args.rules, "days": 30, "evaluations_per_rule": int(30 * 1440), "seconds": round(result.seconds, 2),
               "goal_seconds": GOAL_SECONDS, "firings": sum(len(r.firings) for r in result.results), "errors": errors,
               "peak_rss_mib": {"monsuite": round(own_kib / 1024, 1), "prometheus": round(prometheus_kib / 1024, 1)},
               "history_setup_seconds": round(setup, 1),
               "notifications": {"seconds": round(delivery_seconds, 2), "count": len(delivered.notifications),
                                 "per_receiver": {r: c["notifications"] for r, c in delivered.per_receiver().items()}}}
    print(f"{args.rules} rules x 30 days at 1m: {summary['seconds']} s (goal <= {GOAL_SECONDS:.0f} s), "
          f"{summary['firings']} firings, {len(errors)} errors; peak memory monsuite {summary['peak_rss_mib']['monsuite']} MiB, "
          f"Prometheus {summary['peak_rss_mib']['prometheus']} MiB (history written and served in {summary['history_setup_seconds']} s)")
    print(f"through an Alertmanager config (grouping, timers, inhibition): {len(delivered.notifications)} notifications "
          f"in {summary['notifications']['seconds']} s: {summary['notifications']['per_receiver']}")
    return write_result(summary, args.out)


if __name__ == "__main__":
    sys.exit(main())
