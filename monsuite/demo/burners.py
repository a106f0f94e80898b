"""Faults that need something running inside the service: a busy CPU, held database connections."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import psycopg


class CpuBurner:
    """While on, the service's process uses CPU at a target rate (default one core), whatever else runs.

    process_cpu_seconds_total is what a CPU alert reads, so the burner steers the whole process' CPU
    time (time.process_time) towards `cores` CPU-seconds per second of wall time. On an idle machine one
    thread gets there; on a busy one the kernel shares each core among the runnable threads, so the
    burner adds a thread (up to MAX_THREADS) while the process gets less, and while it burns it raises
    the weight of the service's scheduling group (see SchedulingWeight). The target also caps it:
    a thread that is ahead of the target sleeps, so the burner never takes more than it is asked for.
    A deficit built up while starved is forgiven beyond CATCH_UP_SECONDS, so the rate stays steady.

    It hashes a buffer: hashlib releases the GIL while it works, so the burn costs CPU but does not
    slow the service's own request handling (a pure-Python loop would hold the GIL and would).
    """

    # Few threads, long hashes: a burner thread takes the GIL between two hashes, and many threads or short
    # hashes starve the service's own event loop on a busy machine (its scrapes time out, which resets
    # the very alert the burn should fire).
    MAX_THREADS = max(2, os.cpu_count() or 1)
    CATCH_UP_SECONDS = 0.5
    CONTROL_SECONDS = 0.2

    def __init__(self, cores: float = 1.0):
        self.cores = cores
        self._weight = SchedulingWeight()
        self._stop: threading.Event | None = None
        self._threads = 0
        self._lock = threading.Lock()
        self._cpu_start = 0.0
        self._wall_start = 0.0

    @property
    def threads(self) -> int:
        return self._threads

    def set(self, on: bool) -> None:
        if on and self._stop is None:
            self._weight.raise_()
            self._stop = threading.Event()
            self._cpu_start, self._wall_start = time.process_time(), time.monotonic()
            self._threads = 0
            self._add_thread(self._stop)
            threading.Thread(target=self._control, args=(self._stop,), daemon=True, name="cpu-burn-control").start()
        elif not on and self._stop is not None:
            self._stop.set()
            self._stop = None
            self._weight.restore()

    def _deficit(self) -> float:
        """CPU-seconds the process is behind its target (negative: ahead)."""
        with self._lock:
            target = (time.monotonic() - self._wall_start) * self.cores
            used = time.process_time() - self._cpu_start
            if target - used > self.CATCH_UP_SECONDS * self.cores:  # forgive what cannot be caught up
                self._cpu_start += target - used - self.CATCH_UP_SECONDS * self.cores
                used = target - self.CATCH_UP_SECONDS * self.cores
            return target - used

    def _add_thread(self, stop: threading.Event) -> None:
        self._threads += 1
        threading.Thread(target=self._spin, args=(stop,), daemon=True, name=f"cpu-burn-{self._threads}").start()

    def _control(self, stop: threading.Event) -> None:
        previous = 0.0
        while not stop.wait(self.CONTROL_SECONDS):
            # Behind, and not catching up with the threads it has: add one.
            deficit = self._deficit()
            if deficit > self.CONTROL_SECONDS * self.cores * 0.25 and deficit >= previous and self._threads < self.MAX_THREADS:
                self._add_thread(stop)
            previous = deficit

    def _spin(self, stop: threading.Event) -> None:
        block = b"\x5a" * (16 << 20)  # ~30 ms of hashing per call without the GIL: few GIL hand-offs
        while not stop.is_set():
            if self._deficit() > 0:
                hashlib.sha256(block).digest()
            else:
                stop.wait(0.005)


class SchedulingWeight:
    """While a fault burns CPU, the kernel should give this process its share before ordinary work.

    Linux groups a session's threads (autogroup) and shares the CPU between groups, so a process with
    more threads or a lower thread nice gains nothing against other sessions' busy loops: the group's
    own nice (/proc/self/autogroup) is what counts. Raised to NICE while burning, restored after.
    Needs root (or CAP_SYS_NICE); without it, or without autogroup, the process nice is tried, and
    failing both the burner runs at the ordinary weight.
    """

    NICE = -10
    AUTOGROUP = "/proc/self/autogroup"

    def __init__(self):
        self._restore: tuple[str, int] | None = None

    @property
    def mechanism(self) -> str | None:
        """What was raised: "autogroup", "process" or None (nothing could be)."""
        return self._restore[0] if self._restore else None

    def current(self, mechanism: str) -> int:
        if mechanism == "autogroup":
            return self._autogroup_nice()
        return os.getpriority(os.PRIO_PROCESS, 0)

    def _autogroup_nice(self) -> int:
        # Empty when the process is in a cgroup rather than an autogroup (containers, systemd
        # services): writing there succeeds but weighs nothing, so it counts as unavailable.
        with open(self.AUTOGROUP) as current:
            return int(current.read().split("nice")[1])

    def raise_(self) -> None:
        try:
            before = self._autogroup_nice()
            with open(self.AUTOGROUP, "w") as autogroup:
                autogroup.write(str(self.NICE))
            self._restore = ("autogroup", before)
            return
        except (OSError, ValueError, IndexError):
            pass
        try:
            before = os.getpriority(os.PRIO_PROCESS, 0)
            os.setpriority(os.PRIO_PROCESS, 0, self.NICE)
            self._restore = ("process", before)
        except OSError:
            self._restore = None

    def restore(self) -> None:
        if self._restore is None:
            return
        kind, before = self._restore
        try:
            if kind == "autogroup":
                with open(self.AUTOGROUP, "w") as autogroup:
                    autogroup.write(str(before))
            else:
                os.setpriority(os.PRIO_PROCESS, 0, before)
        except OSError:
            pass
        self._restore = None


class ConnectionHolder:
    """Holds N idle connections to the database, so pg_stat_activity counts them."""

    def __init__(self, database_url: str | None):
        self.database_url = database_url
        self._connections: list = []
        self._lock = threading.Lock()

    def set(self, count: int) -> None:
        if not self.database_url:
            if count:
                raise ValueError("db_connections needs a database (the service has no --database-url)")
            return
        with self._lock:
            while len(self._connections) > count:
                self._connections.pop().close()
            while len(self._connections) < count:
                self._connections.append(psycopg.connect(self.database_url, connect_timeout=5, autocommit=True))

    @property
    def held(self) -> int:
        return len(self._connections)
