"""The campaign's phases: shared scenarios together, each host-resource consumer alone, exclusive ones last."""

from __future__ import annotations

from monsuite.alerts.campaign import schedule
from monsuite.alerts.scenarios import Scenario


def scenario(name, **kwargs) -> Scenario:
    return Scenario(name=name, alert="A", fault={"stop": "x"}, receivers=("r",), **kwargs)


def test_consumers_run_alone_between_the_shared_phase_and_the_exclusive_ones():
    phases = schedule([
        scenario("down", exclusive=True), scenario("cpu", consumes=("host.cpu",)), scenario("errors"),
        scenario("memory", consumes=("host.memory",)), scenario("latency"),
    ])
    assert [[s.name for s in phase] for phase in phases] == [["errors", "latency"], ["cpu"], ["memory"], ["down"]]


def test_no_empty_phase():
    assert [[s.name for s in p] for p in schedule([scenario("cpu", consumes=("host.cpu",))])] == [["cpu"]]
    assert schedule([]) == []
