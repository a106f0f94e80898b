"""One runtime interface: every runtime is in the registry, found from a choice, a handle or a name,
and the options object is built the same way from the command line."""

from __future__ import annotations

from argparse import Namespace

from monsuite.manifest import Component
from monsuite.options import RunOptions
from monsuite.runtimes import RUNTIMES
from monsuite.runtimes.base import Handle
from monsuite.runtimes.registry import REGISTRY, runtime_of
from monsuite.runtimes.select import choose


def test_every_runtime_but_auto_is_registered_and_only_external_starts_nothing():
    assert set(REGISTRY) == set(RUNTIMES) - {"auto"}
    assert {name for name, runtime in REGISTRY.items() if not runtime.starts} == {"external"}


def test_a_handle_read_back_from_a_state_file_finds_its_runtime():
    handle = Handle(name="p", kind="prometheus", runtime="external", detail="URL http://127.0.0.1:9", url="http://127.0.0.1:9")
    runtime = runtime_of(handle)
    assert runtime.exit_status(handle) is None and runtime.where(handle) == "URL http://127.0.0.1:9"
    runtime.stop(handle)  # not ours: nothing happens


def test_auto_takes_a_given_url_first_and_says_what_else_it_tried():
    prometheus = Component(name="prometheus", kind="prometheus", binary=("no-such-prometheus-binary",))
    assert choose(prometheus, "auto", {"prometheus": "http://127.0.0.1:9090"}).runtime == "external"
    unavailable = choose(prometheus, "process", {})
    assert "no-such-prometheus-binary" in unavailable.reason and "To provide prometheus" in unavailable.reason


def test_the_command_line_and_pytest_build_the_same_options():
    args = Namespace(stack="minimal", runtime="process", profile="real", prometheus_url="http://127.0.0.1:9090",
                     alertmanager_url=None, state_file="/tmp/s.json")
    options = RunOptions.from_args(args)
    assert options == RunOptions(stack="minimal", runtime="process", profile="real",
                                 urls={"prometheus": "http://127.0.0.1:9090"}, state_file="/tmp/s.json")
    assert RunOptions.from_args(Namespace()).stack == "default"
