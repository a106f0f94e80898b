"""Monitoring keeps up and tells the truth under load: while Locust drives a bounded load against the
demo service, the service's request counter in Prometheus rises by exactly what Locust sent (within
1 %), scrapes stay shorter than their interval, and rule groups evaluate in time without missed
iterations."""

from __future__ import annotations

import statistics
import time
from urllib.parse import urlsplit

import pytest
from monsuite.clients.traffic import TrafficClient

from monsuite.fixtures.stack import require_kind
from monsuite.load.locust_run import run_locust
from monsuite.load.scenario import LoadScenario
from monsuite.timescale import parse_ms
from monsuite.waits import wait_until

pytestmark = [pytest.mark.live, pytest.mark.load, pytest.mark.slow]
ENDPOINTS = {"/api/v1/automations": "GET", "/api/v1/executions": "POST"}
LOAD = LoadScenario("under-load", None, users=10, spawn_rate=10, seconds=10, shape=None, thresholds={})


@pytest.fixture(scope="module")
def load_window(stack, prometheus):
    """Run the load once with the background traffic paused, so that every counted request is Locust's."""
    demo, traffic = require_kind(stack, "app"), require_kind(stack, "traffic")
    jobs = prometheus.jobs_scraping(demo.url)
    if not jobs:
        pytest.skip(f"the stack's Prometheus does not scrape the demo service ({demo.name}, {demo.url})")
    traffic = TrafficClient(traffic.url)
    before_rates = traffic.status()
    traffic.update({"reads_per_second": 0, "executions_per_second": 0, "tenant_rates": {}})
    try:
        wait_until(lambda: traffic.status()["in_flight"], timeout=30,
                   what="the background traffic's last requests to finish", accept=lambda n: n == 0)
        quiet = time.time()
        before = _counts_after(prometheus, jobs[0], quiet)
        started = time.time()
        result = run_locust(LOAD, demo.url, pushgateway=stack.url("pushgateway"))
        ended = time.time()
        after = _counts_after(prometheus, jobs[0], ended)
    finally:
        traffic.update({k: before_rates[k] for k in ("reads_per_second", "executions_per_second", "tenant_rates")})
    return {"result": result, "before": before, "after": after, "started": started, "ended": ended, "job": jobs[0],
            "address": urlsplit(demo.url).netloc}


def _counts_after(prometheus, job: str, moment: float) -> dict[str, float]:
    """Per endpoint, the request counter from the first scrape after ``moment``."""
    def probe():
        now = time.time()
        found = {}
        for series in prometheus.query_at(f'http_requests_total{{job="{job}"}}[30s]', now):
            endpoint = series["metric"].get("endpoint")
            after = [(float(t), float(v)) for t, v in series["values"] if float(t) > moment]
            if endpoint in ENDPOINTS and after:
                found[endpoint] = found.get(endpoint, 0.0) + after[0][1]
        return found

    return wait_until(probe, timeout=30, what="a scrape after the moment", accept=lambda f: set(f) == set(ENDPOINTS))


def test_prometheus_counts_what_locust_sent_within_one_percent(load_window):
    result = load_window["result"]
    sent = {e.name: e.requests for e in result.endpoints if e.name in ENDPOINTS}
    assert sum(sent.values()) > 500, f"the load was too light to judge: {sent}"
    for endpoint, count in sent.items():
        counted = load_window["after"][endpoint] - load_window["before"][endpoint]
        print(f"{endpoint}: Locust sent {count}, Prometheus counted {counted:.0f}")
        assert abs(counted - count) <= 0.01 * count, f"{endpoint}: Locust sent {count}, Prometheus counted {counted:.0f}"


def test_scrapes_stayed_shorter_than_their_interval(load_window, prometheus, stack, record_measurement):
    """Each target's longest scrape during the load stays under the scrape interval as deployed. Where this
    machine's scrapes already come near it, the bound is twice the longest scrape of that
    target in an equal window just before the load, times how much slower the machine itself became
    meanwhile (the upper quartile of the slow-downs of the targets the load does not touch): what the load adds to a
    target is judged, not how busy the machine is."""
    # A time-compressed profile divides the interval, not how long a scrape takes: the bound is the interval
    # of the configuration as deployed (a compressed run's scrape over its compressed timeout only leaves a
    # gap, which the campaign's verdicts account for).
    interval = parse_ms(stack.profile_values["scrape_interval"]) / 1000 * float(stack.profile_values.get("time_scale", 1))
    window = max(1, int(load_window["ended"] - load_window["started"]) + 1)

    def longest(at: float) -> dict[str, tuple[str, float]]:
        """target -> (its instance, its longest scrape in the window ending at ``at``)"""
        return {f'{s["metric"].get("job")} {s["metric"].get("instance")}': (s["metric"].get("instance", ""), float(s["value"][1]))
                for s in prometheus.query_at(f"max_over_time(scrape_duration_seconds[{window}s])", at)}

    under, before = longest(load_window["ended"]), longest(load_window["started"])
    assert under, "Prometheus has no scrape_duration_seconds for the load's window"
    record_measurement("longest_scrape_under_load_s", round(max(seconds for _, seconds in under.values()), 3))
    untouched = sorted(seconds / before[target][1] for target, (instance, seconds) in under.items()
                       if load_window["address"] not in instance and before.get(target, ("", 0.0))[1] > 0)
    # The machine's slow-down is the upper quartile of the untouched targets' slow-downs: a single window's
    # longest scrape is one sample of a heavy tail, and on a shared machine a third of the untouched targets
    # came out 2.5-3x slower while the median stayed at 1.0.
    machine = max(1.0, statistics.quantiles(untouched, n=4, method="inclusive")[2] if len(untouched) >= 4
                  else max(untouched, default=1.0))
    for target, (_, seconds) in sorted(under.items()):
        print(f"scrape {target}: longest {seconds:.3f}s under the load, {before.get(target, ('', 0.0))[1]:.3f}s before")
    print(f"machine slow-down meanwhile x{machine:.2f} (upper quartile, targets other than the loaded service), interval {interval}s")
    too_slow = {target: f"{seconds:.3f}s (before the load {before.get(target, ('', 0.0))[1]:.3f}s)"
                for target, (_, seconds) in under.items()
                if seconds >= max(interval, 2 * machine * before.get(target, ("", 0.0))[1])}
    assert not too_slow, (f"scrapes as long as the {interval}s interval and more than twice as long as before the "
                          f"load (x{machine:.2f} for the machine's own slow-down): {too_slow}")


def test_rule_groups_kept_up_without_missed_iterations(load_window, prometheus):
    window = max(1, int(load_window["ended"] - load_window["started"]) + 1)
    missed = prometheus.query_at(f"increase(prometheus_rule_group_iterations_missed_total[{window}s])", load_window["ended"])
    assert missed, "Prometheus exposes no rule group metrics"
    assert not [s for s in missed if float(s["value"][1]) > 0], missed
    late = prometheus.query_at(f"max_over_time(prometheus_rule_group_last_duration_seconds[{window}s])"
                               " >= on (rule_group) prometheus_rule_group_interval_seconds", load_window["ended"])
    assert not late, f"rule groups evaluating longer than their interval: {late}"


def test_locusts_own_counters_reach_prometheus(load_window, prometheus, stack):
    if "pushgateway" not in stack.handles:
        pytest.skip("Locust's counters reach Prometheus through a Pushgateway; the stack has no component pushgateway")
    sent = load_window["result"].requests
    found = wait_until(lambda: prometheus.query('sum(locust_requests_total{job="locust"})'), timeout=30,
                       what="Locust's counters in Prometheus (pushed through the Pushgateway)")
    assert 0 < float(found[0]["value"][1]) <= sent


def test_an_alert_under_load_is_as_fast_as_when_idle(run, stack, load_window):
    """The same scenario idle and during a Locust run: fault -> firing may grow by at most 20 %."""
    import threading

    from monsuite.alerts.scenarios import load_for_stack

    scenarios, rules = load_for_stack(stack.manifest)
    chosen = [s for s in scenarios if s.name == "memory-near-limit"]
    if not chosen:
        pytest.skip("the stack has no memory-near-limit scenario")

    def fault_to_firing() -> tuple[float, object]:
        result = run.campaign(stack, scenarios=chosen, rules=rules, log=lambda message: None).run()["memory-near-limit"]
        assert result.status == "passed", result.problems
        return (result.times["firing"] - result.times["fault"]) * 1000, result

    idle, _ = fault_to_firing()
    heavy = LoadScenario("alert-under-load", None, users=10, spawn_rate=10, seconds=20, shape=None, thresholds={})
    runner = threading.Thread(target=run_locust, args=(heavy, require_kind(stack, "app").url), daemon=True)
    runner.start()
    from monsuite.clients.prometheus import PrometheusClient

    prometheus = PrometheusClient(stack.url("prometheus"))
    wait_until(lambda: float((prometheus.query(f'sum(rate(http_requests_total{{job="{load_window["job"]}"}}[2s]))')
                              or [{"value": [0, "0"]}])[0]["value"][1]), timeout=20, what="the load to reach the service",
               accept=lambda rate: rate > 200)
    loaded, result = fault_to_firing()
    runner.join(timeout=60)
    print(f"memory-near-limit fault -> firing: idle {idle:.0f} ms, under load {loaded:.0f} ms ({loaded / idle:.2f}x)")
    assert loaded <= 1.2 * idle, f"under load {loaded:.0f} ms vs idle {idle:.0f} ms"
    assert set(result.receivers_firing) == set(chosen[0].receivers), "a notification was lost under load"
