"""Ctrl-C and SIGTERM that cannot cut a teardown short, and cannot be lost.

The first SIGINT or SIGTERM ends a run as KeyboardInterrupt, which stops what the run started. Once that
interrupt has reached monsuite's handling (`delivered()`: a teardown began), any later signal is reported
and otherwise ignored: a second Ctrl-C that stopped half of a stack would leave the other half running
with nothing left to stop it. While a stack is being stopped, even the first signal waits until the
stopping is done (interrupts_deferred) and is raised afterwards, so the run still ends as interrupted.

A KeyboardInterrupt raised by a signal handler can land inside a finalizer, where Python swallows it. So
an interrupt counts as handled only once delivered: until then a further signal raises again, and every
wait (monsuite.waits) raises it at its next poll (`raise_if_pending`).
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_interrupted = threading.Event()  # a signal came
_delivered = threading.Event()  # ... and monsuite's handling of it began
_deferring = threading.local()


def _say(signum: int, what: str) -> None:
    print(f"monsuite: {signal.Signals(signum).name} received while {what}; finishing that first so nothing "
          "is left running", file=sys.stderr, flush=True)


def _first_one_raises(signum, frame) -> None:
    if _delivered.is_set():
        _say(signum, "stopping what this run started")
        return
    _interrupted.set()
    raise KeyboardInterrupt()


def delivered() -> None:
    """The interrupt reached monsuite's handling: later signals no longer raise."""
    if _interrupted.is_set():
        _delivered.set()


def raise_if_pending() -> None:
    """Raise an interrupt that a signal handler raised where Python swallowed it (a finalizer)."""
    if _interrupted.is_set() and not _delivered.is_set() and threading.current_thread() is threading.main_thread() \
            and not getattr(_deferring, "active", False):
        raise KeyboardInterrupt()


def interrupt_once(*, replace_custom: bool = True) -> None:
    """From now on the first SIGINT/SIGTERM raises KeyboardInterrupt and later ones are only reported.

    With replace_custom=False a handler someone else installed (not Python's defaults) is kept."""
    if threading.current_thread() is not threading.main_thread():
        return
    defaults = (signal.SIG_DFL, signal.default_int_handler, _first_one_raises, None)
    for sig in SIGNALS:
        if replace_custom or signal.getsignal(sig) in defaults:
            signal.signal(sig, _first_one_raises)


@contextmanager
def interrupts_deferred(what: str):
    """Run the block with SIGINT/SIGTERM recorded, not raised; afterwards a recorded first one is raised.

    Signals only ever reach the main thread: elsewhere this does nothing (and needs not)."""
    if threading.current_thread() is not threading.main_thread() or getattr(_deferring, "active", False):
        yield  # an enclosing block already defers them
        return
    received: list[int] = []

    def record(signum, frame):
        if not received:
            _say(signum, what)
        received.append(signum)

    delivered()  # a teardown is running: an interrupt that led here has reached it
    previous = {sig: signal.signal(sig, record) for sig in SIGNALS}
    _deferring.active = True
    try:
        yield
    finally:
        _deferring.active = False
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    if received and not _interrupted.is_set() and sys.exc_info()[0] is None:
        _interrupted.set()
        _delivered.set()
        raise KeyboardInterrupt()
