"""Ctrl-C and SIGTERM that cannot cut a teardown short.

The first SIGINT or SIGTERM ends a run as KeyboardInterrupt, which stops what the run started. Any later
one is reported and otherwise ignored: a second Ctrl-C that stopped half of a stack would leave the other
half running with nothing left to stop it. While a stack is being stopped, even the first signal waits
until the stopping is done (interrupts_deferred) and is raised afterwards, so the run still ends as
interrupted.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_interrupted = threading.Event()
_deferring = threading.local()


def _say(signum: int, what: str) -> None:
    print(f"monsuite: {signal.Signals(signum).name} received while {what}; finishing that first so nothing "
          "is left running", file=sys.stderr, flush=True)


def _first_one_raises(signum, frame) -> None:
    if _interrupted.is_set():
        _say(signum, "stopping what this run started")
        return
    _interrupted.set()
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
        raise KeyboardInterrupt()
