"""A log shipper, as promtail is one: follow a file of JSON log lines, label each line (service, level,
tenant), batch lines per label set and push them to Loki's push API (`POST /loki/api/v1/push`, JSON),
with retries and a bounded buffer (the oldest lines go first when the target stays down; they are counted).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from monsuite.clients.http import ServiceError
from monsuite.clients.loki import LokiPushEndpoint

LABELS = ("service", "level", "tenant_id")  # JSON fields that become stream labels (when present)
MAX_BUFFERED = 50_000
BATCH_LINES, BATCH_WAIT_S = 500, 0.05
RETRY_S = (0.1, 0.2, 0.5, 1.0, 2.0)


@dataclass
class Line:
    text: str
    read_at: float
    labels: dict = field(default_factory=dict)
    timestamp_ns: int = 0


def parse(text: str, read_at: float, static: dict) -> Line:
    """A line with its labels from the JSON fields LABELS (a line that is not JSON keeps the static labels)."""
    labels = dict(static)
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if isinstance(record, dict):
        for name in LABELS:
            if record.get(name) not in (None, ""):
                labels["tenant" if name == "tenant_id" else name] = str(record[name]).lower() if name == "level" else str(record[name])
    return Line(text, read_at, labels, int(read_at * 1e9))


def push_body(lines: list[Line]) -> dict:
    """Loki's JSON push body: one stream per label set, values [[ns timestamp as a string, line], ...]."""
    streams: dict[tuple, list] = {}
    for line in lines:
        streams.setdefault(tuple(sorted(line.labels.items())), []).append([str(line.timestamp_ns), line.text])
    return {"streams": [{"stream": dict(key), "values": values} for key, values in streams.items()]}


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.read = Counter("logship_lines_read", "Lines read from the file", registry=self.registry)
        self.pushed = Counter("logship_lines_pushed", "Lines accepted by the push target", registry=self.registry)
        self.dropped = Counter("logship_lines_dropped", "Lines dropped from a full buffer", registry=self.registry)
        self.failures = Counter("logship_push_failures", "Push attempts that failed", registry=self.registry)
        self.buffered = Gauge("logship_lines_buffered", "Lines waiting to be pushed", registry=self.registry)
        self.latency = Histogram("logship_read_to_pushed_seconds", "From a line read to its push accepted",
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=self.registry)


class Shipper:
    def __init__(self, path: str, push_url: str, static_labels: dict, *, max_buffered: int = MAX_BUFFERED,
                 from_start: bool = False):
        self.path, self.push_url, self.static = path, push_url, static_labels
        self.buffer: deque[Line] = deque()
        self.max_buffered = max_buffered
        self.metrics = Metrics()
        self.endpoint = LokiPushEndpoint(push_url)
        self._lock = threading.Lock()
        self._has_lines = threading.Event()
        self._stop = threading.Event()
        self._offset = 0 if from_start or not os.path.exists(path) else os.path.getsize(path)

    # ---- reading -----------------------------------------------------------------------------
    def follow(self, poll_s: float = 0.01) -> None:
        pending = b""
        while not self._stop.is_set():
            chunk = self._read()
            if not chunk:
                self._stop.wait(poll_s)
                continue
            pending += chunk
            *complete, pending = pending.split(b"\n")
            now = time.time()
            for raw in complete:
                if raw.strip():
                    self._add(parse(raw.decode(errors="replace"), now, self.static))

    def _read(self) -> bytes:
        try:
            size = os.path.getsize(self.path)
        except OSError:
            return b""
        if size < self._offset:  # truncated or replaced: start over
            self._offset = 0
        if size == self._offset:
            return b""
        with open(self.path, "rb") as handle:
            handle.seek(self._offset)
            data = handle.read(size - self._offset)
        self._offset += len(data)
        return data

    def _add(self, line: Line) -> None:
        with self._lock:
            self.buffer.append(line)
            while len(self.buffer) > self.max_buffered:
                self.buffer.popleft()
                self.metrics.dropped.inc()
            self.metrics.buffered.set(len(self.buffer))
        self.metrics.read.inc()
        self._has_lines.set()

    # ---- pushing -----------------------------------------------------------------------------
    def push_forever(self) -> None:
        while not self._stop.is_set():
            self._has_lines.wait(0.5)
            self._stop.wait(BATCH_WAIT_S)  # a moment for more lines to join the batch
            self.push_once()

    def push_once(self) -> int:
        with self._lock:
            batch = [self.buffer.popleft() for _ in range(min(BATCH_LINES, len(self.buffer)))]
            if not self.buffer:
                self._has_lines.clear()
            self.metrics.buffered.set(len(self.buffer))
        if not batch:
            return 0
        for delay in (*RETRY_S, None):
            try:
                status = self.endpoint.send(push_body(batch), timeout=5)
                if status in (200, 204):
                    accepted = time.time()
                    self.metrics.pushed.inc(len(batch))
                    for line in batch:
                        self.metrics.latency.observe(accepted - line.read_at)
                    return len(batch)
                if 400 <= status < 500 and status != 429:
                    break  # Loki refused the lines themselves: retrying would not help
            except ServiceError:
                pass
            self.metrics.failures.inc()
            if delay is None or self._stop.wait(delay):
                break
        with self._lock:  # give the batch back, oldest first, within the bound
            self.buffer.extendleft(reversed(batch))
            while len(self.buffer) > self.max_buffered:
                self.buffer.popleft()
                self.metrics.dropped.inc()
            self._has_lines.set()
        return 0

    def stop(self) -> None:
        self._stop.set()
        self._has_lines.set()
