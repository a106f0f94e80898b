"""Loki's HTTP API: push (JSON), query_range (LogQL, streams or matrix), labels and label values.
Answers are {"status": "success", "data": ...}; a refused query is a 400 with a plain-text reason."""

from __future__ import annotations

import time
from dataclasses import dataclass

from monsuite.clients.http import ServiceClient, ServiceError, redacted


@dataclass
class Entry:
    labels: dict
    timestamp_ns: int
    line: str


class LokiClient(ServiceClient):
    service = "Loki"
    hint = "is Loki running, and is this its URL (port 3100)?"

    def _data(self, path: str, **params):
        response = self.request("GET", path, params={k: v for k, v in params.items() if v is not None})
        if response.status_code == 400:
            raise ServiceError(f"Loki at {redacted(self.url)}: GET {path} refused: {response.text.strip()[:300]}")
        body = self.decoded(response, dict) if response.status_code == 200 else None
        if body is None:
            raise ServiceError(f"Loki at {redacted(self.url)}: GET {path} answered HTTP {response.status_code}; {self.hint}")
        if body.get("status") != "success":
            raise ServiceError(f"Loki at {redacted(self.url)}: GET {path}: {body.get('error') or body.get('status')}")
        return body.get("data")

    def push(self, labels: dict, lines: list[tuple[int, str]]) -> None:
        body = {"streams": [{"stream": labels, "values": [[str(ts), line] for ts, line in lines]}]}
        response = self.request("POST", "/loki/api/v1/push", json=body)
        if response.status_code not in (200, 204):
            raise ServiceError(f"Loki at {redacted(self.url)}: push answered HTTP {response.status_code}: {response.text.strip()[:300]}")

    def query_range(self, logql: str, *, start_ns: int | None = None, end_ns: int | None = None, limit: int = 1000,
                    direction: str = "forward") -> list[Entry]:
        end_ns = end_ns or time.time_ns()
        start_ns = start_ns or end_ns - 3600 * 10**9
        data = self._data("/loki/api/v1/query_range", query=logql, start=start_ns, end=end_ns, limit=limit, direction=direction)
        if data.get("resultType") != "streams":
            raise ServiceError(f"Loki at {redacted(self.url)}: {logql!r} is a metric query (resultType "
                               f"{data.get('resultType')}); use metric_range for it")
        return [Entry(stream.get("stream", {}), int(ts), line) for stream in data.get("result", [])
                for ts, line in stream.get("values", [])]

    def metric_range(self, logql: str, *, start_ns: int, end_ns: int, step_s: float) -> list[dict]:
        data = self._data("/loki/api/v1/query_range", query=logql, start=start_ns, end=end_ns, step=f"{step_s:g}")
        return data.get("result", [])

    def labels(self) -> list[str]:
        return list(self._data("/loki/api/v1/labels") or [])

    def label_values(self, name: str) -> list[str]:
        return list(self._data(f"/loki/api/v1/label/{name}/values") or [])


class LokiPushEndpoint(ServiceClient):
    """A Loki push URL as a log shipper is given it (Loki's /loki/api/v1/push, or a sink standing in)."""
    service = "the Loki push endpoint"

    def send(self, body: dict, timeout: float) -> int:
        """POST one push body; the HTTP status. A connection that fails raises ServiceError."""
        return self.request("POST", "", json=body, timeout=timeout).status_code
