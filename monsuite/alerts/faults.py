"""A scenario's fault: one class per kind, each able to put itself in place (`inject`), take itself away
(`clear`) and say what it is (`describe`); `parse_faults` reads them from a scenario file with the
field that is wrong named. A scenario may combine kinds (a push and a traffic change)."""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from monsuite.clients.demo import DemoClient
from monsuite.clients.http import ServiceError
from monsuite.clients.pushgateway import PushgatewayClient
from monsuite.clients.traffic import TrafficClient
from monsuite.demo.faults import FaultError, FaultState, Faults
from monsuite.errors import UserError
from monsuite.timescale import TimeScaleError, format_ms, parse_ms
from monsuite.traffic.generator import Rates

PUSH_JOB = "monsuite-scenario"
PUSH_PERIOD_SECONDS = 0.1
DEMO_WORKERS = 3  # the demo service's default (python -m monsuite.demo --workers-simulated)


class Target(Protocol):
    """Where a fault acts: the stack's components, found by name or else by kind."""

    def url_of(self, name: str, kind: str) -> str: ...

    def stop_component(self, name: str) -> float: ...

    def start_component(self, name: str) -> None: ...

    def time_scale(self) -> float: ...


@dataclass(frozen=True)
class PushedSeries:
    name: str
    labels: dict = field(default_factory=dict)
    value: float = 0.0
    rate: float = 0.0  # growth per second: a counter the injector keeps pushing
    past: dict | None = None  # {value, rate} held first, for the push's `past_for` (a rule reading an offset)
    resets_every_ms: int = 0  # real time: a counter dropping back to its value this often (a rule reading resets())

    def value_at(self, elapsed: float, past_s: float, time_scale: float = 1.0) -> float:
        """Its value ``elapsed`` seconds into the push: the past's for ``past_s``, then the present's; a
        counter carries on from where its past ended, as a counter does when its rate changes. A resetting
        one starts again from its value every ``resets_every`` (divided by the profile's time scale)."""
        if self.resets_every_ms:
            return self.value + self.rate * (elapsed % (self.resets_every_ms / 1000 / time_scale))
        if self.past is None or past_s <= 0:
            return self.value + self.rate * elapsed
        past_value, past_rate = self.past.get("value", self.value), self.past.get("rate", self.rate)
        if elapsed < past_s:
            return past_value + past_rate * elapsed
        carried = past_value + past_rate * past_s if self.name.endswith("_total") else 0.0
        return carried + self.value + self.rate * (elapsed - past_s)


PUSHED_KEYS = ("name", "labels", "value", "rate", "past", "resets_every")  # as a scenarios file writes them


@dataclass
class Push:
    """Series pushed through the Pushgateway (counters growing at their rate) until cleared; with a past, the
    series' past values first, for ``past_ms`` (real time, divided by the profile's time scale), so that a
    rule reading them at an offset finds the past it compares with."""

    series: tuple[PushedSeries, ...]
    job: str = PUSH_JOB
    instance: str = ""  # set per scenario: it partitions concurrent scenarios
    past_ms: int = 0
    _pusher: "SeriesPusher | None" = None

    def inject(self, target: Target) -> None:
        past_s = self.past_ms / 1000 / target.time_scale() if self.past_ms else 0.0
        self._pusher = SeriesPusher(target.url_of("pushgateway", "exporter"), self.instance, self.series, self.job,
                                    past_s=past_s, time_scale=target.time_scale())
        self._pusher.start()

    def clear(self, target: Target) -> None:
        if self._pusher is not None:
            self._pusher.stop()
            self._pusher = None

    def describe(self) -> str:
        past = f" after their past ({self.past_ms / 1000:g} s real time)" if self.past_ms else ""
        return "push " + ", ".join(s.name + (f" (back to {s.value:g} every {format_ms(s.resets_every_ms)})"
                                             if s.resets_every_ms else "") for s in self.series) + past


@dataclass
class Traffic:
    """Settings of the stack's traffic generator changed, and put back as they were."""

    changes: dict
    _before: dict | None = None

    def inject(self, target: Target) -> None:
        traffic = TrafficClient(target.url_of("traffic", "traffic"))
        self._before = {k: v for k, v in traffic.status().items() if k in self.changes}
        traffic.update(self.changes)

    def clear(self, target: Target) -> None:
        if self._before is not None:
            TrafficClient(target.url_of("traffic", "traffic")).update(self._before)
            self._before = None

    def describe(self) -> str:
        return "traffic " + ", ".join(f"{k}={v}" for k, v in self.changes.items())


@dataclass
class DemoFault:
    """A fault of the demo service (errors, latency, a failing health probe, CPU or memory use, ...)."""

    settings: dict

    def inject(self, target: Target) -> None:
        DemoClient(target.url_of("demo", "app")).inject(**self.settings)

    def clear(self, target: Target) -> None:
        defaults = dataclasses.asdict(Faults())
        DemoClient(target.url_of("demo", "app")).inject(**{k: defaults[k] for k in self.settings})

    def describe(self) -> str:
        return "demo " + ", ".join(f"{k}={v}" for k, v in self.settings.items())


@dataclass
class StopComponent:
    """A component of the stack stopped, and started again with the same ports and data."""

    component: str

    def inject(self, target: Target) -> None:
        target.stop_component(self.component)

    def clear(self, target: Target) -> None:
        target.start_component(self.component)

    def describe(self) -> str:
        return f"stop {self.component}"


Fault = Push | Traffic | DemoFault | StopComponent
_PARSERS: dict[str, Callable] = {}


def _kind(name: str):
    def register(parse):
        _PARSERS[name] = parse
        return parse
    return register


@_kind("demo")
def _demo(value, components, fail) -> DemoFault:
    if not isinstance(value, dict) or not value:
        fail("fault.demo", "must be a mapping of demo-service faults, e.g. {error_rate: 0.5}")
    try:  # the demo service's own validation, so a misspelt fault or a wrong type fails here, not mid-run
        FaultState(workers=DEMO_WORKERS).update(value)
    except FaultError as exc:
        fail("fault.demo", str(exc))
    return DemoFault(dict(value))


@_kind("stop")
def _stop(value, components, fail) -> StopComponent:
    if value not in components:
        fail("fault.stop", f"the stack has no component {value!r}")
    return StopComponent(str(value))


@_kind("push")
def _push(value, components, fail) -> Push:
    series = value.get("series") if isinstance(value, dict) else None
    if not isinstance(series, list) or not series or set(value) - {"series", "job", "past_for"}:
        fail("fault.push", "must be {series: [{name, labels, value | rate, past, resets_every}, ...], job: <optional "
                           "job label>, past_for: <real time the series' past values are pushed first>}")
    made = []
    for index, item in enumerate(series):
        if not isinstance(item, dict) or not item.get("name") or set(item) - set(PUSHED_KEYS):
            fail(f"fault.push.series[{index}]", "each series needs a name and value or rate (optional: labels, past, "
                                                "resets_every)")
        made.append(_pushed_series(item, f"fault.push.series[{index}]", fail))
    past_ms = 0
    if "past_for" in value:
        try:
            past_ms = parse_ms(str(value["past_for"]))
        except TimeScaleError as exc:
            fail("fault.push.past_for", str(exc))
    has_past = any(item.get("past") is not None for item in series)
    if has_past != (past_ms > 0):
        fail("fault.push.past_for" if has_past else "fault.push.series",
             "a past needs both: `past:` on the series it changes and a `past_for:` duration above 0")
    return Push(tuple(made), str(value.get("job", PUSH_JOB)), past_ms=past_ms)


def _pushed_series(item: dict, where: str, fail) -> PushedSeries:
    past = item.get("past")
    if past is not None and (not isinstance(past, dict) or set(past) - {"value", "rate"} or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in past.values())):
        fail(f"{where}.past", "must be {value: <number>, rate: <number per second>}")
    rates = [item.get("rate", 0), (past or {}).get("rate", 0)]
    if str(item["name"]).endswith("_total") and any(isinstance(r, (int, float)) and r < 0 for r in rates):
        fail(f"{where}.rate", f"{item['name']} is a counter: its rate (and its past's) must be >= 0 (a counter only "
                              "grows; `resets_every` drops it back)")
    fields = {k: v for k, v in item.items() if k != "resets_every"}
    if "resets_every" in item:
        try:
            fields["resets_every_ms"] = parse_ms(str(item["resets_every"]))
        except TimeScaleError as exc:
            fail(f"{where}.resets_every", str(exc))
        if fields["resets_every_ms"] <= 0 or past is not None:
            fail(f"{where}.resets_every", "must be a duration above 0, on a series without a past (it starts again "
                                          "from its value that often)")
    return PushedSeries(**fields)


@_kind("traffic")
def _traffic(value, components, fail) -> Traffic:
    if not isinstance(value, dict) or not value:
        fail("fault.traffic", "must be a mapping of traffic settings, e.g. {executions_per_second: 0}")
    try:
        Rates().with_changes(value)  # the traffic component's own validation
    except (ValueError, TypeError, AttributeError) as exc:
        fail("fault.traffic", f"{exc} (settings: {', '.join(f.name for f in dataclasses.fields(Rates))})")
    return Traffic(dict(value))


FAULT_KINDS = tuple(_PARSERS)
INJECTION_ORDER = ("push", "traffic", "demo", "stop")  # cleared in reverse: a stopped component comes back first


def parse_faults(raw, components: set[str], fail: Callable[[str, str], None]) -> tuple[Fault, ...]:
    """The faults of a scenario's `fault:` mapping; `fail(field, problem)` raises with the field named."""
    if not isinstance(raw, dict) or not raw:
        fail("fault", f"must be a mapping with one or more of {', '.join(FAULT_KINDS)}")
    unknown = sorted(set(raw) - set(FAULT_KINDS))
    if unknown:
        fail(f"fault.{unknown[0]}", f"unknown fault kind; the kinds are {', '.join(FAULT_KINDS)}")
    return tuple(_PARSERS[kind](raw[kind], components, fail) for kind in INJECTION_ORDER if kind in raw)


def scenario_instance(scenario) -> str:
    """The instance label of the series a scenario pushes: it partitions concurrent scenarios."""
    return f"scenario-{scenario.name}"


class FaultInjector:
    """Puts a scenario's faults in place on a stack, in order, and clears them in reverse order."""

    def __init__(self, stack, scenario):
        self.stack = stack
        self.scenario = scenario
        self._injected: list[Fault] = []

    def inject(self) -> None:
        for declared in self.scenario.faults:
            fault = dataclasses.replace(declared)  # what an injection keeps (a pusher, settings before) is its own
            if isinstance(fault, Push):
                fault.instance = scenario_instance(self.scenario)
            fault.inject(self)
            self._injected.append(fault)

    def clear(self) -> None:
        while self._injected:
            self._injected.pop().clear(self)

    def describe(self) -> str:
        return "; ".join(f.describe() for f in self.scenario.faults)

    # the Target a fault acts on
    def url_of(self, name: str, kind: str) -> str:
        return self._url(name, kind)

    def stop_component(self, name: str) -> float:
        return self.stack.stop_component(name)

    def start_component(self, name: str) -> None:
        self.stack.start_component(name)

    def time_scale(self) -> float:
        return float(self.stack.profile_values.get("time_scale", 1))

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


class SeriesPusher:
    """Pushes a scenario's series to the Pushgateway until stopped; counters grow at their rate."""

    def __init__(self, pushgateway_url: str, instance: str, series, job: str = PUSH_JOB, past_s: float = 0.0,
                 time_scale: float = 1.0):
        self.pushgateway = PushgatewayClient(pushgateway_url)
        self.job, self.instance = job, instance
        self.series = series
        self.past_s, self.time_scale = past_s, time_scale
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"push-{instance}")
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._push()  # the first push happens before inject() returns: the fault is in place
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():  # not started when the first push was refused
            self._thread.join(timeout=5)
        self.pushgateway.delete_group(self.job, self.instance)

    def body(self, elapsed: float | None = None) -> str:
        """The text exposition format, each family typed: the Pushgateway refuses an untyped push of a
        family it exports itself (process_*, go_*), and `_total` counters read as counters."""
        elapsed = time.monotonic() - self._started if elapsed is None else elapsed
        lines = []
        for name in dict.fromkeys(item.name for item in self.series):
            lines.append(f"# TYPE {name} {'counter' if name.endswith('_total') else 'gauge'}")
            for item in (i for i in self.series if i.name == name):
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(item.labels.items()))
                value = item.value_at(elapsed, self.past_s, self.time_scale)
                lines.append(f"{item.name}{{{labels}}} {value!r}" if labels else f"{item.name} {value!r}")
        return "\n".join(lines) + "\n"

    def _push(self) -> None:
        self.pushgateway.put_group(self.job, self.instance, self.body())

    def _run(self) -> None:
        while not self._stop.wait(PUSH_PERIOD_SECONDS):
            try:
                self._push()
            except ServiceError:
                continue
