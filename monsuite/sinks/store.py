"""The record of every delivery the sinks received."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import asdict, dataclass, field

SECRET_FIELDS = ("routing_key", "service_key")


@dataclass
class Delivery:
    id: int
    channel: str  # webhook | slack | pagerduty | discord | email
    receiver: str
    arrived_at: float  # unix seconds, taken when the request reached the sink
    body: object
    problems: list[str] = field(default_factory=list)  # where the payload departs from its documented shape
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class DeliveryStore:
    def __init__(self):
        self._deliveries: list[Delivery] = []
        self.rejected: list[dict] = []  # attempts answered with an injected failure
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, channel: str, receiver: str, body, problems: list[str], arrived_at: float | None = None,
            meta: dict | None = None) -> Delivery:
        body = redact(body)
        with self._lock:
            delivery = Delivery(next(self._ids), channel, receiver, arrived_at or time.time(), body, problems, meta or {})
            self._deliveries.append(delivery)
            return delivery

    def query(self, receiver: str | None = None, channel: str | None = None, since_id: int = 0) -> list[Delivery]:
        with self._lock:
            return [d for d in self._deliveries
                    if d.id > since_id and (receiver is None or d.receiver == receiver)
                    and (channel is None or d.channel == channel)]

    def reject(self, channel: str, receiver: str, status: int) -> None:
        with self._lock:
            self.rejected.append({"channel": channel, "receiver": receiver, "status": status, "at": time.time()})

    def clear(self) -> int:
        with self._lock:
            count = len(self._deliveries)
            self._deliveries.clear()
            self.rejected.clear()
            return count


def redact(body):
    """Replace secrets (PagerDuty keys) by their SHA-256, so tests can compare without seeing them."""
    if isinstance(body, dict):
        out = {}
        for key, value in body.items():
            if key in SECRET_FIELDS and isinstance(value, str):
                out[key] = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
            else:
                out[key] = redact(value)
        return out
    if isinstance(body, list):
        return [redact(v) for v in body]
    return body
