"""The interrupt policy: the first signal interrupts, later ones wait; a teardown runs to its end."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=30)


def test_a_signal_during_a_deferred_block_is_raised_after_it():
    done = run("""
        import os, signal
        from monsuite.interrupts import interrupt_once, interrupts_deferred
        interrupt_once()
        steps = []
        try:
            with interrupts_deferred("stopping the stack"):
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGTERM)
                steps.append("teardown finished")
        except KeyboardInterrupt:
            steps.append("interrupted after it")
        print(steps)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['teardown finished', 'interrupted after it']"
    assert done.stderr.count("received while stopping the stack") == 1


def test_once_its_teardown_began_later_signals_are_only_reported():
    done = run("""
        import os, signal
        from monsuite.interrupts import delivered, interrupt_once
        interrupt_once()
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            print("first interrupted")
            delivered()  # what a teardown does first
        os.kill(os.getpid(), signal.SIGINT)  # during the teardown that follows: reported, not raised
        os.kill(os.getpid(), signal.SIGTERM)
        print("teardown went on")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["first interrupted", "teardown went on"]
    assert "SIGINT received while stopping" in done.stderr and "SIGTERM received" in done.stderr


def test_a_signal_deferred_after_an_interrupt_is_not_raised_twice():
    done = run("""
        import os, signal
        from monsuite.interrupts import interrupt_once, interrupts_deferred
        interrupt_once()
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            with interrupts_deferred("stopping the stack"):
                os.kill(os.getpid(), signal.SIGINT)
            print("stopped once")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped once"


def test_a_custom_handler_is_kept_when_asked():
    done = run("""
        import signal
        from monsuite.interrupts import interrupt_once
        def mine(signum, frame): pass
        signal.signal(signal.SIGTERM, mine)
        interrupt_once(replace_custom=False)
        print(signal.getsignal(signal.SIGTERM) is mine, signal.getsignal(signal.SIGINT).__name__)
    """)
    assert done.stdout.strip() == "True _first_one_raises"


def test_an_interrupt_swallowed_by_a_finalizer_is_raised_at_the_next_wait():
    done = run("""
        import gc, os, signal, weakref
        from monsuite.interrupts import interrupt_once
        from monsuite.waits import wait_until
        interrupt_once()

        class Resource:
            pass

        def close():  # a signal arriving during a finalizer: Python prints and swallows the KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)

        resource = Resource()
        weakref.finalize(resource, close)
        del resource
        gc.collect()
        print("swallowed")
        try:
            wait_until(lambda: False, timeout=5, what="something")
        except KeyboardInterrupt:
            print("raised at the wait")
    """)
    assert done.stdout.split() == ["swallowed", "raised", "at", "the", "wait"], done.stdout + done.stderr
    assert "Exception ignored" in done.stderr


def test_a_second_signal_raises_again_while_the_first_was_not_handled():
    done = run("""
        import os, signal
        from monsuite.interrupts import interrupt_once
        interrupt_once()
        for attempt in (1, 2):
            try:
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt:
                print("interrupted", attempt)
    """)
    assert done.stdout.split("\n")[:2] == ["interrupted 1", "interrupted 2"], done.stdout + done.stderr
