"""Structured JSON logs, one line per event, each carrying the request's trace id.

Each line is flushed at once, unless the service runs flush_periodically(): then lines are flushed
together every FLUSH_SECONDS, which spares a write system call per request (a fifth of the demo
service's throughput under load) at the cost of lines reaching a log shipper up to that much later."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime, timezone


FLUSH_SECONDS = 0.1
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # json.dumps with options would build one per call
_string = json.encoder.encode_basestring_ascii  # a JSON string literal, as json.dumps writes it


class JsonLogger:
    def __init__(self, service: str, environment: str, stream=None, enabled: bool = True):
        self.service = service
        self.environment = environment
        self.stream = stream or sys.stdout
        self.enabled = enabled
        self.flush_each_line = True
        self._pending: list[str] = []
        self._second, self._second_text = -1, ""
        self._constant = f'"service":{_string(service)},"environment":{_string(environment)}'

    def log(self, level: str, message: str, **fields) -> None:
        if not self.enabled:
            return
        entry = {
            "timestamp": self._timestamp(),
            "level": level,
            "service": self.service,
            "environment": self.environment,
            "message": message,
            **fields,
        }
        self._write(_ENCODER.encode(entry) + "\n")

    def request(self, level: str, method: str, path: str, endpoint: str, status: str, duration_ms: float,
                trace_id: str) -> None:
        """The access log line of one request: the same JSON as log() writes, formatted without building
        a dict (it is written for every request, so its cost is the service's throughput)."""
        if not self.enabled:
            return
        self._write(f'{{"timestamp":"{self._timestamp()}","level":"{level}",{self._constant},"message":"request handled",'
                    f'"method":{_string(method)},"path":{_string(path)},"endpoint":{_string(endpoint)},'
                    f'"status":{int(status)},"duration_ms":{duration_ms!r},"trace_id":{_string(trace_id)}}}\n')

    def _write(self, line: str) -> None:
        if self.flush_each_line:
            self.stream.write(line)
            self.stream.flush()
        else:
            self._pending.append(line)

    def flush(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self.stream.write("".join(lines))  # one system call, even on an unbuffered stdout
        self.stream.flush()

    def _timestamp(self) -> str:
        """ISO 8601 in UTC with microseconds, as datetime.isoformat() writes it; the part up to the
        second is formatted once per second."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._second_text = datetime.fromtimestamp(second, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._second_text}.{int((now - second) * 1_000_000):06d}+00:00"

    async def flush_periodically(self) -> None:
        """Run as a task of the service's event loop (where every line is written); cancel it to stop."""
        self.flush_each_line = False
        try:
            while True:
                await asyncio.sleep(FLUSH_SECONDS)
                self.flush()
        finally:
            self.flush_each_line = True
            self.flush()
