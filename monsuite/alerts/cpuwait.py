"""How long the processes an alert passes through waited for a CPU while it passed.

Linux counts, per thread, the time it was ready to run but waited on a run queue (the second field of
/proc/PID/task/TID/schedstat, in nanoseconds; kernels built with CONFIG_SCHED_INFO, Debian's among
them). A watch samples those counters for a few processes (Alertmanager, the sinks) through a campaign.
A stage that ran long while they waited for a CPU is the machine's doing; a stage that ran long while
they sat idle is not (a timer set too long, a receiver that answers late): an idle process waits on
nothing, so a wrong group_wait shows no waiting to excuse it.
"""

from __future__ import annotations

import bisect
import os
import threading
import time

SAMPLE_SECONDS = 0.05


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:  # the thread or process ended between listing and reading
        return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for tid in _tasks(current):
            children = _read(f"/proc/{current}/task/{tid}/children")
            pending.extend(int(child) for child in (children or "").split())
    return found


def _tasks(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def run_delays_ns(pids: list[int]) -> dict[tuple[int, int], int]:
    """Each thread's time spent waiting for a CPU so far, by (watched process, thread), for the processes
    and everything they started."""
    delays: dict[tuple[int, int], int] = {}
    for top in pids:
        for pid in process_tree(top):
            for tid in _tasks(pid):
                fields = (_read(f"/proc/{pid}/task/{tid}/schedstat") or "").split()
                if len(fields) >= 2:
                    delays[(top, int(tid))] = int(fields[1])
    return delays


def measurable(pid: int) -> bool:
    """Whether this kernel keeps run-queue waits for ``pid``'s threads (and this user may read them)."""
    return bool(run_delays_ns([pid]))


class CpuWaitWatch:
    """Samples the watched processes' run-queue waits every `interval` seconds, from start() to stop().

    Between two samples, each process counts as having waited as long as its most waiting thread did (its
    other threads waited at the same time, or for work off the alert's path), the processes' waits are
    added (a notification passes through one, then the other) and the total is capped at the time between
    the samples: how long the pipeline may have been held up, never more than the time that passed.
    `times` and `waited_ns` hold each sample's time and the total since the start. A thread first seen
    after the start counts from its own start."""

    def __init__(self, pids: dict[str, int], interval: float = SAMPLE_SECONDS):
        self.pids = {name: pid for name, pid in pids.items() if measurable(pid)}
        self.interval = interval
        self.times: list[float] = []
        self.waited_ns: list[int] = []
        self._last: dict[tuple[int, int], int] = {}
        self._total = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def watching(self) -> bool:
        return bool(self.pids)

    def start(self) -> "CpuWaitWatch":
        if self.watching:
            self._last = run_delays_ns(list(self.pids.values()))
            self._record(time.time())
            self._thread = threading.Thread(target=self._run, daemon=True, name="cpu-wait-watch")
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        now = run_delays_ns(list(self.pids.values()))
        at = time.time()
        longest: dict[int, int] = {}
        for (top, tid), value in now.items():
            longest[top] = max(longest.get(top, 0), value - self._last.get((top, tid), 0))
        self._total += min(sum(longest.values()), int((at - self.times[-1]) * 1e9))
        self._last.update(now)
        self._record(at)

    def _record(self, at: float) -> None:
        self.times.append(at)
        self.waited_ns.append(self._total)

    def waited_ms(self, since: float, until: float) -> float | None:
        """What the watched threads waited for a CPU between the last sample at or before ``since`` and the
        first at or after ``until`` (so a little more than the span itself, never less); None when the
        samples do not enclose the span."""
        first = bisect.bisect_right(self.times, since) - 1
        last = bisect.bisect_left(self.times, until)
        if first < 0 or last >= len(self.times):
            return None
        return (self.waited_ns[last] - self.waited_ns[first]) / 1e6

    def describe(self) -> str:
        if not self.watching:
            return "run-queue waits not measured (no readable /proc/PID/task/*/schedstat for the watched processes)"
        return f"run-queue waits of {', '.join(sorted(self.pids))} sampled every {self.interval * 1000:.0f} ms"
