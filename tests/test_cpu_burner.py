"""The CPU fault's scheduling weight: raised while it burns, restored after."""

from __future__ import annotations

import os

from monsuite.demo.burners import SchedulingWeight


def current_weight() -> str:
    try:
        with open(SchedulingWeight.AUTOGROUP) as autogroup:
            return autogroup.read()
    except OSError:
        return str(os.getpriority(os.PRIO_PROCESS, 0))


def test_the_weight_is_restored_to_what_it_was():
    before = current_weight()
    weight = SchedulingWeight()
    weight.raise_()
    try:
        if os.geteuid() == 0:  # only a privileged process may raise it
            assert current_weight() != before
    finally:
        weight.restore()
    assert current_weight() == before
