import itertools

import pytest

from monsuite.waits import WaitTimeout, wait_until


def test_returns_the_first_accepted_value():
    counter = itertools.count()
    assert wait_until(lambda: next(counter), timeout=5, what="three", accept=lambda v: v >= 3, interval=0) == 3


def test_timeout_message_says_what_was_awaited_and_what_was_last_seen():
    with pytest.raises(WaitTimeout) as caught:
        wait_until(lambda: "still 41", timeout=0.05, what="the answer", accept=lambda v: v == 42, interval=0.01)
    message = str(caught.value)
    assert "the answer" in message and "still 41" in message and "0.05s" in message


def test_an_error_of_the_probe_is_reported_as_last_seen():
    def probe():
        raise ConnectionError("refused")

    with pytest.raises(WaitTimeout, match="ConnectionError: refused"):
        wait_until(probe, timeout=0.05, what="a server", interval=0.01)


def test_fatal_errors_end_the_wait_at_once():
    calls = []

    def probe():
        calls.append(1)
        raise KeyError("gone")

    with pytest.raises(KeyError):
        wait_until(probe, timeout=5, what="x", fatal=(KeyError,))
    assert len(calls) == 1


def test_a_timeout_is_an_assertion_so_live_tests_fail_rather_than_error():
    assert issubclass(WaitTimeout, AssertionError)
