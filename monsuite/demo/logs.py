"""Structured JSON logs, one line per event, each carrying the request's trace id."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone


class JsonLogger:
    def __init__(self, service: str, environment: str, stream=None, enabled: bool = True):
        self.service = service
        self.environment = environment
        self.stream = stream or sys.stdout
        self.enabled = enabled

    def log(self, level: str, message: str, **fields) -> None:
        if not self.enabled:
            return
        entry = {
            "timestamp": datetime.fromtimestamp(time.time(), tz=timezone.utc).isoformat(),
            "level": level,
            "service": self.service,
            "environment": self.environment,
            "message": message,
            **fields,
        }
        self.stream.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self.stream.flush()
