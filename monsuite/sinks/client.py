"""Read what the sinks received, and wait for deliveries."""

from __future__ import annotations

import threading
from typing import Callable

from monsuite.clients.http import ServiceClient, ServiceError
from monsuite.waits import wait_until


class SinkClient(ServiceClient):
    service = "the notification sinks"

    def deliveries(self, receiver: str | None = None, channel: str | None = None, since_id: int = 0) -> list[dict]:
        params = {k: v for k, v in {"receiver": receiver, "channel": channel, "since_id": since_id}.items() if v}
        return self.json("GET", "/deliveries", shape=list, params=params)

    def fail(self, **plan) -> dict:
        """Make the sinks fail: first=N, fraction=f, status=500, delay_ms=..., receiver=name (see FailurePlan)."""
        response = self.request("PUT", "/failures", json=plan)
        if response.status_code != 200:
            raise ValueError(f"failure plan refused: {response.text}")
        return response.json()

    def heal(self) -> None:
        self.fail()

    def rejected(self) -> list[dict]:
        return self.json("GET", "/rejected", shape=list)

    def spans(self, trace_id: str | None = None, since_id: int = 0) -> list[dict]:
        """Spans the OTLP receiver (POST /v1/traces) kept."""
        params = {k: v for k, v in {"trace_id": trace_id, "since_id": since_id}.items() if v}
        return self.json("GET", "/spans", shape=list, params=params)

    def span_summary(self) -> dict:
        return self.json("GET", "/spans", shape=dict, params={"summary": 1})

    def log_lines(self, since_id: int = 0, contains: str | None = None, **labels: str) -> list[dict]:
        """Lines pushed to the Loki-compatible receiver, matching these labels."""
        params = {**labels, **({"since_id": since_id} if since_id else {}), **({"contains": contains} if contains else {})}
        return self.json("GET", "/loki/lines", shape=list, params=params)

    def last_log_line_id(self) -> int:
        return int(self.json("GET", "/loki/lines", shape=dict, params={"last_id": 1})["last_id"])

    def clear(self) -> None:
        self.request("DELETE", "/deliveries").raise_for_status()

    def wait_for(self, receiver: str, *, count: int = 1, match: Callable[[dict], bool] = lambda d: True,
                 timeout: float = 30.0, since_id: int = 0) -> list[dict]:
        """Wait until ``receiver`` has at least ``count`` deliveries matching ``match``."""
        return wait_until(
            lambda: [d for d in self.deliveries(receiver=receiver, since_id=since_id) if match(d)],
            timeout=timeout, what=f"{count} matching deliveries on receiver {receiver!r}",
            accept=lambda found: len(found) >= count, interval=0.05,
        )


class DeliveryFeed:
    """Every delivery the sinks received since the feed started, fetched incrementally by one poller.

    Many concurrent readers (the scenarios of a campaign) read this local copy instead of each asking
    the sinks for everything: the sinks answer one small request per interval, so watching them does
    not slow the deliveries being timed.
    """

    def __init__(self, client: SinkClient, interval: float = 0.1):
        self.client = client
        self.interval = interval
        self._deliveries: list[dict] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="delivery-feed")

    def __enter__(self) -> "DeliveryFeed":
        self.refresh()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def refresh(self) -> None:
        with self._lock:
            last = self._deliveries[-1]["id"] if self._deliveries else 0
        new = self.client.deliveries(since_id=last)
        with self._lock:
            known = self._deliveries[-1]["id"] if self._deliveries else 0
            self._deliveries.extend(d for d in new if d["id"] > known)

    def last_id(self) -> int:
        with self._lock:
            return self._deliveries[-1]["id"] if self._deliveries else 0

    def since(self, since_id: int = 0) -> list[dict]:
        with self._lock:
            return [d for d in self._deliveries if d["id"] > since_id]

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except ServiceError:
                continue  # a sink stopped by a fault comes back; the next poll catches up
