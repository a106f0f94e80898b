"""The CPU fault's scheduling weight: raised while it burns, restored after."""

from __future__ import annotations

import os

from monsuite.demo.burners import SchedulingWeight


def test_the_weight_is_restored_to_what_it_was():
    weight = SchedulingWeight()
    befores = {}
    for mechanism in ("autogroup", "process"):
        try:
            befores[mechanism] = weight.current(mechanism)
        except (OSError, ValueError, IndexError):
            pass  # no autogroup here (a cgroup instead): only the process nice exists
    weight.raise_()
    mechanism = weight.mechanism
    try:
        if os.geteuid() == 0:  # only a privileged process may raise it
            assert mechanism in befores
            assert weight.current(mechanism) == SchedulingWeight.NICE != befores[mechanism]
    finally:
        weight.restore()
    for name, before in befores.items():
        assert weight.current(name) == before


def test_outside_an_autogroup_the_process_nice_is_used(tmp_path, monkeypatch):
    empty = tmp_path / "autogroup"
    empty.write_text("")  # what a process in a cgroup reads
    monkeypatch.setattr(SchedulingWeight, "AUTOGROUP", str(empty))
    before = os.getpriority(os.PRIO_PROCESS, 0)
    weight = SchedulingWeight()
    weight.raise_()
    try:
        if os.geteuid() == 0:
            assert weight.mechanism == "process"
            assert os.getpriority(os.PRIO_PROCESS, 0) == SchedulingWeight.NICE
        assert empty.read_text() == ""
    finally:
        weight.restore()
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
