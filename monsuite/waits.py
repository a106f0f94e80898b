"""The one polling helper: every wait in monsuite is a condition polled until a deadline."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from monsuite.interrupts import raise_if_pending

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """Raised when a condition did not hold before its deadline.

    An AssertionError so that a live test that waits in vain fails (not errors) with the message.
    """


def wait_until(
    probe: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = 0.05,
    accept: Callable[[T], bool] = bool,
    fatal: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``probe`` until ``accept(result)`` is true; return that result.

    Exceptions raised by ``probe`` count as "not yet" and are remembered, so the timeout message
    says what was awaited and what was last seen (a value or an error). Exceptions of a type in
    ``fatal`` end the wait at once (a process that exited will not become ready).
    """
    deadline = time.monotonic() + timeout
    last_seen: object = "nothing (the condition was never checked)"
    while True:
        raise_if_pending()
        try:
            result = probe()
        except fatal:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the probe means "not yet"
            last_seen = f"{type(exc).__name__}: {exc}"
        else:
            if accept(result):
                return result
            last_seen = result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what}; last seen: {_short(last_seen)}")
        time.sleep(min(interval, remaining))


def _short(value: object, limit: int = 500) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "..."
