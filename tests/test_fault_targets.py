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
