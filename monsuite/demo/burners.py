"""Faults that need something running inside the service: a busy CPU, held database connections."""

from __future__ import annotations

import hashlib
import threading

import psycopg


class CpuBurner:
    """While on, a thread keeps one core busy; the service's process_cpu_seconds_total grows ~1 s per second.

    It hashes a large buffer: hashlib releases the GIL while it works, so the burn costs CPU but does
    not slow the service's own request handling (a pure-Python loop would hold the GIL and would).
    """

    def __init__(self):
        self._stop: threading.Event | None = None

    def set(self, on: bool) -> None:
        if on and self._stop is None:
            self._stop = threading.Event()
            threading.Thread(target=self._spin, args=(self._stop,), daemon=True, name="cpu-burn").start()
        elif not on and self._stop is not None:
            self._stop.set()
            self._stop = None

    @staticmethod
    def _spin(stop: threading.Event) -> None:
        block = b"\x5a" * (4 << 20)
        while not stop.is_set():
            hashlib.sha256(block).digest()


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
