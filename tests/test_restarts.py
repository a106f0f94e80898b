"""Restarts mid-scenario, live: the notification still arrives, once per group, as Prometheus and
Alertmanager document it.

- Alertmanager restarted (graceful, same storage path) while its alert fires: Prometheus sends the
  alert again within its resend delay, and the notification log read back from storage keeps the group
  from being notified again before repeat_interval; the resolution arrives once.
- Prometheus restarted while the alert is pending: the `for` clock starts again (Prometheus restores it
  only for rules whose `for` exceeds --rules.alert.for-grace-period, 10m by default), and the alert fires
  once, `for` after the restart.
- The receiver down (every attempt answered 503) then back: Alertmanager retries with backoff, and the
  notification arrives once, at most one flush (max(group_interval, 10 s)) after the receiver is back.

Allowances come from this run: the time a notification takes here when nothing is restarted.
The numbers are printed and written to reports/restarts.json.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import requests

from monsuite.clients.alertmanager import AlertmanagerClient, alert
from monsuite.sinks.client import SinkClient
from monsuite.run import Run
from monsuite.stack import Stack
from monsuite.timescale import parse_ms
from monsuite.waits import wait_until
from tests.measurements import keep

pytestmark = [pytest.mark.live, pytest.mark.slow]

STACK = Path(__file__).parent / "data" / "stacks" / "restarts"
RECEIVER = "team"
NOTIFY_MIN_TIMEOUT_S = 10.0  # Alertmanager's notify.MinTimeout: a flush retries for max(group_interval, this)
measured: dict[str, dict] = {}


@pytest.fixture(scope="module")
def stack():
    with Run.of(str(STACK), runtime="process", profile="ci").new_stack() as started:
        yield started
    keep("restarts", measured)


@pytest.fixture(scope="module")
def timings(stack) -> dict[str, float]:
    return {k: parse_ms(stack.profile_values[k]) / 1000
            for k in ("evaluation_interval", "scrape_interval", "resend_delay", "group_wait", "group_interval")} \
        | {"for": 5 * 60 / stack.profile_values["time_scale"]}


@pytest.fixture(scope="module")
def sinks(stack) -> SinkClient:
    return SinkClient(stack.first_url("sink"))


@pytest.fixture(scope="module")
def quiet_latency(stack, sinks) -> float:
    """Seconds from posting an alert to its notification, with nothing restarted (group_wait included)."""
    client = AlertmanagerClient(stack.first_url("alertmanager"))
    samples = []
    for _ in range(3):
        scenario = f"quiet-{uuid.uuid4().hex[:6]}"
        posted = time.time()
        client.post_alerts([alert({"alertname": "RestartProbe", "scenario": scenario})])
        arrived = sinks.wait_for(RECEIVER, match=_of(scenario, "firing"), timeout=30)[0]["arrived_at"]
        samples.append(arrived - posted)
    return max(samples)


def _of(scenario: str, status: str):
    return lambda d: d["body"].get("status") == status and \
        any(a["labels"].get("scenario") == scenario for a in d["body"].get("alerts", []))


def _probe(stack: Stack, scenario: str, value: float | None) -> None:
    url = f"{stack.first_url('exporter')}/metrics/job/restarts/scenario/{scenario}"
    if value is None:
        requests.delete(url, timeout=5).raise_for_status()
    else:
        requests.put(url, data=f"monsuite_restart_probe {value}\n", timeout=5).raise_for_status()


def _alert_state(stack: Stack, scenario: str) -> str | None:
    body = requests.get(f"{stack.first_url('prometheus')}/api/v1/alerts", timeout=5).json()
    states = [a["state"] for a in body["data"]["alerts"] if a["labels"].get("scenario") == scenario]
    return states[0] if states else None


def _restart(stack: Stack, name: str) -> float:
    """Stop a component gracefully and start it again; returns when it is ready again (unix seconds)."""
    stack.stop_component(name)
    stack.start_component(name)
    return time.time()


def test_alertmanager_restarted_while_firing_notifies_once(stack, sinks, timings, quiet_latency):
    scenario = f"am-{uuid.uuid4().hex[:6]}"
    alertmanager = AlertmanagerClient(stack.first_url("alertmanager"))
    _probe(stack, scenario, 1)
    budget = timings["for"] + 4 * timings["evaluation_interval"] + quiet_latency * 3 + 5
    wait_until(lambda: sinks.deliveries(RECEIVER), accept=lambda d: any(map(_of(scenario, "firing"), d)),
               timeout=budget, what=f"the first notification of {scenario}")
    back = _restart(stack, "alertmanager")
    # Prometheus sends every firing alert again each resend_delay: the restarted Alertmanager has it again
    wait_until(lambda: alertmanager.alerts(f'scenario="{scenario}"'), timeout=timings["resend_delay"] * 3 + 10,
               what=f"{scenario} back in the restarted Alertmanager")
    readmitted = time.time() - back
    # Watch long enough for a notification that the notification log should prevent to show up.
    watch = timings["group_wait"] + timings["group_interval"] + quiet_latency * 2
    deadline = time.time() + watch
    wait_until(lambda: time.time() >= deadline, timeout=watch + 5, interval=0.1, what="the watch period")
    firing = [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "firing")(d)]
    assert len(firing) == 1, f"{len(firing)} firing notifications: the notification log was not kept across the restart"
    _probe(stack, scenario, None)
    resolved = wait_until(lambda: [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "resolved")(d)],
                          timeout=timings["group_interval"] * 2 + budget, what=f"{scenario} resolved")
    assert len(resolved) == 1
    measured["alertmanager_restart"] = {"alert_back_in_alertmanager_s": round(readmitted, 3), "watched_s": round(watch, 2),
                                        "firing_notifications": len(firing), "resolved_notifications": len(resolved)}


def test_prometheus_restarted_while_pending_fires_once_after_for(stack, sinks, timings, quiet_latency):
    scenario = f"prom-{uuid.uuid4().hex[:6]}"
    _probe(stack, scenario, 1)
    wait_until(lambda: _alert_state(stack, scenario), accept=lambda s: s == "pending",
               timeout=timings["scrape_interval"] * 4 + timings["evaluation_interval"] * 4 + 5, what=f"{scenario} pending")
    back = _restart(stack, "prometheus")
    assert not [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "firing")(d)], "notified before `for` elapsed"
    allowance = 3 * timings["evaluation_interval"] + timings["scrape_interval"] + quiet_latency * 3
    latest = timings["for"] + allowance
    arrived = wait_until(lambda: [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "firing")(d)],
                         timeout=latest + 10, what=f"{scenario} notified after the restart")[0]["arrived_at"]
    after_restart = arrived - back
    assert timings["for"] - timings["evaluation_interval"] <= after_restart <= latest, \
        f"notified {after_restart:.2f}s after Prometheus was back; expected `for` ({timings['for']}s) to {latest:.2f}s"
    watch_until = time.time() + timings["group_interval"] + quiet_latency
    wait_until(lambda: time.time() >= watch_until, timeout=timings["group_interval"] + quiet_latency + 5, interval=0.1,
               what="the watch period")
    firing = [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "firing")(d)]
    assert len(firing) == 1, f"{len(firing)} firing notifications for one group"
    _probe(stack, scenario, None)
    measured["prometheus_restart"] = {"notified_after_restart_s": round(after_restart, 3), "for_s": timings["for"],
                                      "allowance_s": round(allowance, 3), "firing_notifications": len(firing)}


def test_a_receiver_down_then_back_gets_the_notification_once(stack, sinks, timings, quiet_latency):
    scenario = f"rx-{uuid.uuid4().hex[:6]}"
    alertmanager = AlertmanagerClient(stack.first_url("alertmanager"))
    sinks.fail(receiver=RECEIVER, fraction=1.0, status=503)
    try:
        alertmanager.post_alerts([alert({"alertname": "RestartProbe", "scenario": scenario}, minutes=10)])
        wait_until(lambda: sinks.rejected(), accept=lambda r: len(r) >= 3, timeout=30,
                   what="three rejected attempts (Alertmanager retrying)")
    finally:
        sinks.heal()
    back = time.time()
    flush = max(timings["group_interval"], NOTIFY_MIN_TIMEOUT_S)
    latest = flush + quiet_latency * 3
    arrived = wait_until(lambda: [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "firing")(d)],
                         timeout=latest + 10, what=f"{scenario} delivered after the receiver came back")[0]["arrived_at"]
    assert arrived - back <= latest, f"delivered {arrived - back:.2f}s after the receiver was back (bound {latest:.2f}s)"
    watch_until = time.time() + timings["group_interval"] + quiet_latency
    wait_until(lambda: time.time() >= watch_until, timeout=timings["group_interval"] + quiet_latency + 5, interval=0.1,
               what="the watch period")
    firing = [d for d in sinks.deliveries(RECEIVER) if _of(scenario, "firing")(d)]
    assert len(firing) == 1, f"{len(firing)} notifications for one group after the receiver came back"
    measured["receiver_down"] = {"rejected_attempts": len(sinks.rejected()), "delivered_after_back_s": round(arrived - back, 3),
                                 "bound_s": round(latest, 3), "firing_notifications": len(firing)}
