"""A Loki-push-compatible receiver: `POST /loki/api/v1/push` with Loki's JSON push body
({"streams": [{"stream": {labels}, "values": [["<unix ns>", "<line>"], ...]}]}), answered 204 as Loki
does; every line kept (bounded) with its labels and the time it arrived, listed by `GET /loki/lines`."""

from __future__ import annotations

import itertools
import threading
from collections import deque

MAX_LINES = 200_000


class PushError(ValueError):
    """Not a Loki push body (answered 400, naming what is wrong)."""


def lines_of(body, received_at: float) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("streams"), list):
        raise PushError('expected {"streams": [{"stream": {...}, "values": [["<unix ns>", "<line>"], ...]}]}')
    lines = []
    for index, stream in enumerate(body["streams"]):
        labels = stream.get("stream") if isinstance(stream, dict) else None
        values = stream.get("values") if isinstance(stream, dict) else None
        if not isinstance(labels, dict) or not isinstance(values, list):
            raise PushError(f"streams[{index}]: needs stream (labels) and values")
        for value in values:
            if not isinstance(value, list) or len(value) < 2 or not str(value[0]).isdigit() or not isinstance(value[1], str):
                raise PushError(f'streams[{index}].values: each entry is ["<unix ns>", "<line>"]')
            lines.append({"labels": {str(k): str(v) for k, v in labels.items()}, "timestamp_ns": int(value[0]),
                          "line": value[1], "received_at": received_at})
    return lines


class LineStore:
    def __init__(self, limit: int = MAX_LINES):
        self._lines: deque[dict] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, lines: list[dict]) -> None:
        with self._lock:
            for line in lines:
                self._lines.append({"id": next(self._ids), **line})

    def query(self, labels: dict[str, str], since_id: int = 0, contains: str | None = None) -> list[dict]:
        with self._lock:
            return [line for line in self._lines if line["id"] > since_id
                    and all(line["labels"].get(k) == v for k, v in labels.items())
                    and (contains is None or contains in line["line"])]

    def last_id(self) -> int:
        with self._lock:
            return self._lines[-1]["id"] if self._lines else 0
