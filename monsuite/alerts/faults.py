"""Putting a scenario's fault in place, and taking it away again."""

from __future__ import annotations

import dataclasses
import threading
import time

import requests

from monsuite.alerts.scenarios import Scenario
from monsuite.clients.demo import DemoClient
from monsuite.demo.faults import Faults
from monsuite.errors import UserError

PUSH_JOB = "monsuite-scenario"
PUSH_PERIOD_SECONDS = 0.1


def scenario_instance(scenario: Scenario) -> str:
    """The instance label of the series a scenario pushes: it partitions concurrent scenarios."""
    return f"scenario-{scenario.name}"


class FaultInjector:
    def __init__(self, stack, scenario: Scenario):
        self.stack = stack
        self.scenario = scenario
        self._pusher: SeriesPusher | None = None
        self._traffic_before: dict | None = None

    def inject(self) -> None:
        fault = self.scenario.fault
        if "push" in fault:
            self._pusher = SeriesPusher(self._url("pushgateway", "exporter"), scenario_instance(self.scenario),
                                        self.scenario.pushed, fault["push"].get("job", PUSH_JOB))
            self._pusher.start()
        if "traffic" in fault:
            traffic = TrafficClient(self._url("traffic", "traffic"))
            self._traffic_before = {k: v for k, v in traffic.status().items() if k in fault["traffic"]}
            traffic.update(fault["traffic"])
        if "demo" in fault:
            DemoClient(self._url("demo", "app")).inject(**fault["demo"])
        if "stop" in fault:
            self.stack.stop_component(fault["stop"])

    def clear(self) -> None:
        fault = self.scenario.fault
        if "stop" in fault:
            self.stack.start_component(fault["stop"])
        if "demo" in fault:
            defaults = dataclasses.asdict(Faults())
            DemoClient(self._url("demo", "app")).inject(**{k: defaults[k] for k in fault["demo"]})
        if "traffic" in fault and self._traffic_before is not None:
            TrafficClient(self._url("traffic", "traffic")).update(self._traffic_before)
        if self._pusher is not None:
            self._pusher.stop()

    def _url(self, name: str, kind: str) -> str:
        """The component called ``name``, or else the stack's only running component of ``kind``."""
        url = self.stack.url(name)
        of_kind = self.stack.of_kind(kind)
        if url is None and len(of_kind) == 1:
            url = of_kind[0].url
        if url is None:
            raise UserError(f"scenario {self.scenario.name}: no running component {name!r}"
                            f"{'' if of_kind else f' and none of kind {kind}'} for its fault"
                            f"{f' (several of kind {kind}: name one {name!r})' if len(of_kind) > 1 else ''}")
        return url


class TrafficClient:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def status(self) -> dict:
        return requests.get(f"{self.url}/traffic", timeout=5).json()

    def update(self, changes: dict) -> dict:
        response = requests.patch(f"{self.url}/traffic", json=changes, timeout=5)
        if response.status_code != 200:
            raise ValueError(f"traffic change refused: {response.text}")
        return response.json()


class SeriesPusher:
    """Pushes a scenario's series to the Pushgateway until stopped; counters grow at their rate."""

    def __init__(self, pushgateway_url: str, instance: str, series, job: str = PUSH_JOB):
        self.url = f"{pushgateway_url.rstrip('/')}/metrics/job/{job}/instance/{instance}"
        self.series = series
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"push-{instance}")
        self._session = requests.Session()
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._push()  # the first push happens before inject() returns: the fault is in place
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():  # not started when the first push was refused
            self._thread.join(timeout=5)
        self._session.delete(self.url, timeout=5)

    def body(self) -> str:
        """The text exposition format, each family typed: the Pushgateway refuses an untyped push of a
        family it exports itself (process_*, go_*), and `_total` counters read as counters."""
        elapsed = time.monotonic() - self._started
        lines = []
        for name in dict.fromkeys(item.name for item in self.series):
            lines.append(f"# TYPE {name} {'counter' if name.endswith('_total') else 'gauge'}")
            for item in (i for i in self.series if i.name == name):
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(item.labels.items()))
                value = item.value + item.rate * elapsed
                lines.append(f"{item.name}{{{labels}}} {value!r}" if labels else f"{item.name} {value!r}")
        return "\n".join(lines) + "\n"

    def _push(self) -> None:
        response = self._session.put(self.url, data=self.body(), timeout=5)
        if response.status_code >= 300:
            raise ValueError(f"Pushgateway refused the series: HTTP {response.status_code} {response.text[:200]}")

    def _run(self) -> None:
        while not self._stop.wait(PUSH_PERIOD_SECONDS):
            try:
                self._push()
            except (requests.RequestException, ValueError):
                continue
