"""Which component a scenario's fault goes to: the one named as in the default stack, or else the
stack's only component of the kind the fault needs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from monsuite.alerts.faults import FaultInjector
from monsuite.errors import UserError


class FakeStack:
    def __init__(self, **handles):
        self.handles = {name: SimpleNamespace(name=name, kind=kind, url=f"http://127.0.0.1/{name}")
                        for name, kind in handles.items()}

    def url(self, name):
        return self.handles[name].url if name in self.handles else None

    def of_kind(self, kind):
        return [h for h in self.handles.values() if h.kind == kind]


def injector(stack) -> FaultInjector:
    return FaultInjector(stack, SimpleNamespace(name="s", fault={}))


def test_the_component_named_in_the_default_stack_is_preferred():
    stack = FakeStack(demo="app", other="app")
    assert injector(stack)._url("demo", "app") == "http://127.0.0.1/demo"


def test_the_only_component_of_the_kind_stands_in_for_the_name():
    assert injector(FakeStack(service="app"))._url("demo", "app") == "http://127.0.0.1/service"


@pytest.mark.parametrize("handles, says", [
    ({}, "none of kind app"),
    ({"one": "app", "two": "app"}, "several of kind app"),
])
def test_no_or_several_candidates_are_named_in_the_error(handles, says):
    with pytest.raises(UserError, match=says):
        injector(FakeStack(**handles))._url("demo", "app")


class RecordingStack(FakeStack):
    """Components stopped and started, in order."""

    def __init__(self, **handles):
        super().__init__(**handles)
        self.events = []

    def stop_component(self, name):
        self.events.append(f"stop {name}")
        return 0.0

    def start_component(self, name):
        self.events.append(f"start {name}")


def _fail(field, problem):
    raise UserError(f"{field}: {problem}")


def test_each_kind_of_fault_is_its_own_class_and_says_what_it_is():
    from monsuite.alerts.faults import DemoFault, Push, StopComponent, Traffic, parse_faults

    faults = parse_faults({"push": {"series": [{"name": "queue_depth", "value": 900}]}, "traffic": {"executions_per_second": 0},
                           "demo": {"error_rate": 0.5}, "stop": "redis"}, {"redis"}, _fail)
    assert [type(f) for f in faults] == [Push, Traffic, DemoFault, StopComponent]
    assert [f.describe() for f in faults] == ["push queue_depth", "traffic executions_per_second=0",
                                             "demo error_rate=0.5", "stop redis"]


def test_faults_are_cleared_in_the_reverse_order_of_injection():
    from monsuite.alerts.faults import parse_faults

    stack = RecordingStack()
    scenario = SimpleNamespace(name="s", faults=parse_faults({"stop": "redis"}, {"redis"}, _fail))
    injector = FaultInjector(stack, scenario)
    injector.inject()
    injector.clear()
    injector.clear()  # a second clear has nothing left to undo
    assert stack.events == ["stop redis", "start redis"]


@pytest.mark.parametrize("raw, field", [
    ({}, "fault"),
    ({"stop": "ghost"}, "fault.stop"),
    ({"push": {"series": []}}, "fault.push"),
    ({"demo": {"error_rate": 7}}, "fault.demo"),
    ({"cpu": 1}, "fault.cpu"),
])
def test_a_bad_fault_names_its_field(raw, field):
    from monsuite.alerts.faults import parse_faults

    with pytest.raises(UserError, match=f"^{field}: "):
        parse_faults(raw, {"redis"}, _fail)


def test_a_push_with_a_past_holds_the_past_values_first_and_a_counter_carries_on_from_them():
    from monsuite.alerts.faults import SeriesPusher, parse_faults

    [push] = parse_faults({"push": {"series": [
        {"name": "jobs_total", "rate": 0, "past": {"rate": 10}},
        {"name": "queue_depth", "value": 200, "past": {"value": 0}},
        {"name": "workers", "value": 3}], "past_for": "15m"}}, set(), _fail)
    assert push.past_ms == 900_000 and "after their past" in push.describe()
    pusher = SeriesPusher("http://127.0.0.1:1", "scenario-s", push.series, past_s=15.0)  # 15m at time scale 60

    def values(elapsed: float) -> dict:
        pairs = (line.rsplit(" ", 1) for line in pusher.body(elapsed).splitlines() if not line.startswith("#"))
        return {name: float(value) for name, value in pairs}

    assert values(10) == {"jobs_total": 100, "queue_depth": 0, "workers": 3}
    assert values(20) == {"jobs_total": 150, "queue_depth": 200, "workers": 3}  # 150: no reset at the switch


def test_a_resetting_counter_drops_back_to_its_value_as_often_as_the_profile_compresses_its_period():
    from monsuite.alerts.faults import SeriesPusher, parse_faults

    [push] = parse_faults({"push": {"series": [{"name": "cycles_total", "rate": 2, "resets_every": "2m"}]}}, set(), _fail)
    assert "back to 0 every 2m" in push.describe()
    pusher = SeriesPusher("http://127.0.0.1:1", "scenario-s", push.series, time_scale=60)  # every 2 s

    def value(elapsed: float) -> float:
        return float(pusher.body(elapsed).splitlines()[-1].rsplit(" ", 1)[1])

    assert [value(t) for t in (0.5, 1.5, 2.5, 3.5, 4.5)] == [1.0, 3.0, 1.0, 3.0, 1.0]


@pytest.mark.parametrize("push, field", [
    ({"series": [{"name": "x", "past": {"value": 1}}]}, "fault.push.past_for"),
    ({"series": [{"name": "x"}], "past_for": "5m"}, "fault.push.series"),
    ({"series": [{"name": "x", "past": {"value": "high"}}], "past_for": "5m"}, r"fault.push.series\[0\].past"),
    ({"series": [{"name": "x", "past": {"value": 1}}], "past_for": "soon"}, "fault.push.past_for"),
    ({"series": [{"name": "x_total", "past": {"rate": -1}}], "past_for": "5m"}, r"fault.push.series\[0\].rate"),
    ({"series": [{"name": "x_total", "rate": 1, "resets_every": "often"}]}, r"fault.push.series\[0\].resets_every"),
    ({"series": [{"name": "x_total", "rate": 1, "resets_every": "0s"}]}, r"fault.push.series\[0\].resets_every"),
    ({"series": [{"name": "x_total", "rate": 1, "resets_every": "1m", "past": {"rate": 2}}], "past_for": "5m"},
     r"fault.push.series\[0\].resets_every"),
])
def test_a_past_without_its_duration_or_with_a_bad_value_names_its_field(push, field):
    from monsuite.alerts.faults import parse_faults

    with pytest.raises(UserError, match=f"^{field}: "):
        parse_faults({"push": push}, set(), _fail)
