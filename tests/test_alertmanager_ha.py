"""A highly available Alertmanager pair, live (stacks/ha-alertmanager): two Alertmanagers clustered
over gossip on 127.0.0.1, Prometheus sending every alert to both.

- Deduplication: both peers hold the alert, one notification arrives, and only one peer sent it (the
  other found the group in the notification log gossiped to it); the resolution arrives once too.
- Silences are shared: a silence made on one peer is listed by the other and suppresses the alert
  there; nothing is notified.
- Peer loss: the peer that would notify first is stopped (SIGTERM) or killed (SIGKILL) while the alert
  is pending; the survivor notifies, once; when the lost peer is back it rejoins and sends no duplicate.

Watch windows come from the stack's own timings (group_wait, peer_timeout, group_interval) and from
the delivery latency this run measured. The numbers are written to reports/alertmanager-ha.json.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from monsuite.clients.alertmanager import AlertmanagerClient
from monsuite.paths import shipped_stack
from monsuite.sinks.client import SinkClient
from monsuite.run import Run
from monsuite.stack import Stack
from monsuite.timescale import parse_ms
from monsuite.waits import wait_until
from tests.measurements import keep

pytestmark = [pytest.mark.live, pytest.mark.slow]

RECEIVER = "team"
PEERS = ("alertmanager", "alertmanager_peer")
measured: dict[str, dict] = {}


@pytest.fixture(scope="module")
def stack():
    with Run.of(str(shipped_stack("ha-alertmanager")), runtime="process", profile="ci").new_stack() as started:
        for name in PEERS:
            wait_until(lambda: AlertmanagerClient(started.url(name)).cluster(),
                       accept=lambda c: c["status"] == "ready" and len(c["peers"]) == len(PEERS), timeout=60,
                       what=f"{name}'s cluster settled with {len(PEERS)} peers")
        yield started
    keep("alertmanager-ha", measured)


@pytest.fixture(scope="module")
def timings(stack) -> dict[str, float]:
    values = {k: parse_ms(stack.profile_values[k]) / 1000
              for k in ("evaluation_interval", "scrape_interval", "group_wait", "group_interval", "peer_timeout")}
    return values | {"for": 60 / stack.profile_values["time_scale"]}


@pytest.fixture(scope="module")
def sinks(stack) -> SinkClient:
    return SinkClient(stack.first_url("sink"))


def peers(stack) -> dict[str, AlertmanagerClient]:
    return {name: AlertmanagerClient(stack.url(name)) for name in PEERS if stack.url(name)}


def probe(stack: Stack, scenario: str, firing: bool) -> None:
    url = f"{stack.first_url('exporter')}/metrics/job/ha/scenario/{scenario}"
    if firing:
        requests.put(url, data="monsuite_ha_probe 1\n", timeout=5).raise_for_status()
    else:
        requests.delete(url, timeout=5).raise_for_status()


def notifications(sinks: SinkClient, scenario: str, status: str) -> list[dict]:
    return [d for d in sinks.deliveries(RECEIVER) if d["body"].get("status") == status
            and any(a["labels"].get("scenario") == scenario for a in d["body"].get("alerts", []))]


def sent_by_each(stack) -> dict[str, float]:
    return {name: client.notification_requests("webhook")[0] for name, client in peers(stack).items()}


def watch(seconds: float) -> None:
    """Let a window pass in which a duplicate would show."""
    deadline = time.time() + seconds
    wait_until(lambda: time.time() >= deadline, timeout=seconds + 5, interval=0.1, what="the watch window")


def first_notice_budget(timings) -> float:
    """Generous bound for a wait (not a verdict): pending, `for`, group_wait, every peer's turn."""
    return (timings["for"] + 4 * (timings["evaluation_interval"] + timings["scrape_interval"]) + timings["group_wait"]
            + len(PEERS) * timings["peer_timeout"] + 30)


def duplicate_window(timings, latency: float) -> float:
    """After the first notification, a second peer would send one peer_timeout later (per position),
    and a group re-flush comes each group_interval: watch past both, plus this run's delivery latency."""
    return len(PEERS) * timings["peer_timeout"] + timings["group_interval"] + 2 * latency


def test_the_pair_notifies_once_and_only_one_peer_sends(stack, sinks, timings):
    scenario = f"dedup-{uuid.uuid4().hex[:6]}"
    before = sent_by_each(stack)
    pushed = time.time()
    probe(stack, scenario, True)
    first = wait_until(lambda: notifications(sinks, scenario, "firing"), timeout=first_notice_budget(timings),
                       what=f"the notification of {scenario}")[0]
    latency = first["arrived_at"] - pushed
    for name, client in peers(stack).items():  # Prometheus sent the alert to each peer
        assert client.alerts(f'scenario="{scenario}"'), f"{name} never received {scenario}"
    window = duplicate_window(timings, latency)
    watch(window)
    firing = notifications(sinks, scenario, "firing")
    sent = {name: count - before[name] for name, count in sent_by_each(stack).items()}
    assert len(firing) == 1, f"{len(firing)} notifications of one alert from the pair (sent per peer: {sent})"
    # the other peer made no request at all: it found the group in the gossiped notification log (the
    # sender may count more than one request: a retry when the receiver answered late)
    assert min(sent.values()) == 0 and max(sent.values()) >= 1, f"each peer's webhook requests for one alert: {sent}"

    probe(stack, scenario, False)
    wait_until(lambda: notifications(sinks, scenario, "resolved"),
               timeout=timings["group_interval"] * 2 + first_notice_budget(timings), what=f"{scenario} resolved")
    watch(window)
    resolved = notifications(sinks, scenario, "resolved")
    assert len(resolved) == 1, f"{len(resolved)} resolved notifications from the pair"
    measured["dedup"] = {"first_notification_s": round(latency, 3), "watched_s": round(window, 2),
                         "firing_notifications": len(firing), "resolved_notifications": len(resolved),
                         "webhook_requests_per_peer": sent, "sender_external_url": first["body"].get("externalURL")}


def test_a_silence_made_on_one_peer_is_honoured_by_the_other(stack, sinks, timings):
    scenario = f"silence-{uuid.uuid4().hex[:6]}"
    one, other = (peers(stack)[name] for name in PEERS)
    made = time.time()
    silence_id = one.silence([("scenario", "=", scenario)], "HA silence sharing check", minutes=30)
    wait_until(lambda: other.silences(), accept=lambda found: any(s["id"] == silence_id for s in found), timeout=30,
               interval=0.02, what="the silence gossiped to the other peer")
    propagated = time.time() - made
    probe(stack, scenario, True)
    try:
        for name, client in peers(stack).items():
            wait_until(lambda: client.alerts(f'scenario="{scenario}"'), accept=lambda alerts: alerts and all(
                silence_id in a["status"]["silencedBy"] for a in alerts), timeout=first_notice_budget(timings),
                what=f"{scenario} received and silenced on {name}")
        window = timings["group_wait"] + duplicate_window(timings, 0.0)
        watch(window)
        notified = notifications(sinks, scenario, "firing")
        assert not notified, f"{len(notified)} notifications of an alert silenced on one peer of the pair"
    finally:
        probe(stack, scenario, False)
    measured["silence"] = {"gossiped_to_other_peer_s": round(propagated, 3), "watched_s": round(window, 2),
                           "notifications": len(notified)}


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_with_one_peer_lost_mid_scenario_the_notification_still_arrives_once(stack, sinks, timings, how):
    """stopped: SIGTERM, the peer leaves the cluster gracefully; killed: SIGKILL, the survivor learns it
    only from failed probes and, until then, waits its peer_timeout before notifying."""
    scenario = f"peerloss-{how}-{uuid.uuid4().hex[:6]}"
    positions = {name: client.gauge("alertmanager_peer_position") for name, client in peers(stack).items()}
    first_in_line = min(positions, key=lambda name: positions[name])
    survivor = next(name for name in PEERS if name != first_in_line)
    probe(stack, scenario, True)
    prometheus = stack.first_url("prometheus")
    wait_until(lambda: requests.get(f"{prometheus}/api/v1/alerts", timeout=5).json()["data"]["alerts"],
               accept=lambda alerts: any(a["labels"].get("scenario") == scenario for a in alerts),
               timeout=first_notice_budget(timings), interval=0.05, what=f"{scenario} pending in Prometheus")
    stopped_at = stack.stop_component(first_in_line, abrupt=how == "killed")  # the peer that would notify first
    try:
        first = wait_until(lambda: notifications(sinks, scenario, "firing"), timeout=first_notice_budget(timings),
                           what=f"the survivor ({survivor}) notifying {scenario}")[0]
        after_stop = first["arrived_at"] - stopped_at
        window = duplicate_window(timings, after_stop)
        watch(window)
        alone = notifications(sinks, scenario, "firing")
        assert len(alone) == 1, f"{len(alone)} notifications with one peer {how}"
    finally:
        stack.start_component(first_in_line)
    rejoined = time.time()
    wait_until(lambda: AlertmanagerClient(stack.url(first_in_line)).cluster(),
               accept=lambda c: c["status"] == "ready" and len(c["peers"]) == len(PEERS), timeout=60,
               what=f"{first_in_line} back in the cluster")
    rejoin_s = time.time() - rejoined
    # The restarted peer gets the alert again from Prometheus and the notification log from its peer.
    wait_until(lambda: AlertmanagerClient(stack.url(first_in_line)).alerts(f'scenario="{scenario}"'),
               timeout=first_notice_budget(timings), what=f"{scenario} resent to the restarted {first_in_line}")
    watch(timings["group_wait"] + window)
    total = notifications(sinks, scenario, "firing")
    probe(stack, scenario, False)
    assert len(total) == 1, f"{len(total)} notifications after the stopped peer rejoined (a duplicate)"
    measured[f"peer_{how}"] = {"peer": first_in_line, "positions": positions, "notified_after_stop_s": round(after_stop, 3),
                             "rejoined_s": round(rejoin_s, 3), "notifications": len(total)}
