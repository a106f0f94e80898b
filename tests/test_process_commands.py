"""A component's init and after-start commands: run to completion, their failure said with their output,
and stopped at once when the start is given up (an interrupt must not wait for a slow initdb)."""

from __future__ import annotations

import threading
import time

import pytest

from monsuite.runtimes.base import Aborted, StartContext
from monsuite.runtimes.process import run_command


def _context(tmp_path, abort: threading.Event) -> StartContext:
    return StartContext(tmp_path, "test", tmp_path, [], {}, {}, None, abort, [])


def test_a_failing_command_is_said_with_its_output(tmp_path):
    with pytest.raises(RuntimeError, match=r"failed \(3\): boom"):
        run_command(["sh", "-c", "echo boom; exit 3"], _context(tmp_path, threading.Event()))


def test_a_start_given_up_stops_the_command_at_once(tmp_path):
    abort = threading.Event()
    marker = tmp_path / "still-running"
    timer = threading.Timer(0.2, abort.set)
    timer.start()
    began = time.monotonic()
    with pytest.raises(Aborted):
        run_command(["sh", "-c", f"sleep 30; touch {marker}"], _context(tmp_path, abort))
    assert time.monotonic() - began < 10, "the command was waited out"
    assert not marker.exists()


def _component(timeout: float):
    from types import SimpleNamespace

    return SimpleNamespace(name="postgres", ready=SimpleNamespace(timeout=timeout))


def test_an_after_start_command_is_tried_again_while_the_component_is_still_starting(tmp_path):
    from monsuite.stack import Stack

    attempts = tmp_path / "attempts"
    # fails twice ("starting up"), then succeeds: a database that listens before it accepts connections
    command = ["sh", "-c", f"echo x >> {attempts}; [ $(wc -l < {attempts}) -ge 3 ] || {{ echo starting up; exit 1; }}"]
    Stack._run_after_start(_component(30), command, _context(tmp_path, threading.Event()))
    assert len(attempts.read_text().splitlines()) == 3


def test_an_after_start_command_that_keeps_failing_fails_the_start_with_its_output(tmp_path):
    from monsuite.stack import Stack, StackStartError

    with pytest.raises(StackStartError, match="postgres: .*failed \\(1\\): no such database"):
        Stack._run_after_start(_component(1), ["sh", "-c", "echo no such database; exit 1"],
                               _context(tmp_path, threading.Event()))
