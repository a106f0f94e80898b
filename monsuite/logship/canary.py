"""A log canary, as loki-canary is one: write sequenced lines into a file that a shipper follows, read them
back where they were pushed, and report ingestion latency (written -> visible to a reader) percentiles and
the lines missing or seen twice. Readers: the sinks' receiver (`sink_reader`) or Loki (`loki_reader`)."""

from __future__ import annotations

import json
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from monsuite.logship.shipper import Shipper
from monsuite.waits import WaitTimeout, wait_until

Reader = Callable[[str], list[str]]  # canary id -> the lines visible so far


@dataclass
class CanaryReport:
    sent: int
    received: int
    missing: list[int]
    duplicates: list[int]
    latency_ms: dict  # p50, p95, max

    def to_dict(self) -> dict:
        return {"sent": self.sent, "received": self.received, "missing": len(self.missing),
                "duplicates": len(self.duplicates), "latency_ms": self.latency_ms}


def sink_reader(sinks) -> Reader:
    return lambda canary: [line["line"] for line in sinks.log_lines(job=canary)]


def loki_reader(loki) -> Reader:
    return lambda canary: [entry.line for entry in loki.query_range(f'{{job="{canary}"}}', limit=5000)]


def run_canary(push_url: str, read: Reader, *, lines: int = 100, interval_s: float = 0.01, settle_s: float = 5.0,
               timeout_s: float = 60.0) -> CanaryReport:
    canary = f"monsuite-canary-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="monsuite-log-canary-") as directory:
        path = Path(directory) / "canary.log"
        path.write_text("")
        shipper = Shipper(str(path), push_url, {"job": canary})
        threads = [threading.Thread(target=shipper.follow, daemon=True), threading.Thread(target=shipper.push_forever, daemon=True)]
        for thread in threads:
            thread.start()
        written: dict[int, float] = {}
        visible: dict[int, float] = {}
        done_writing = threading.Event()
        watcher = threading.Thread(target=_watch, args=(read, canary, lines, settle_s, timeout_s, visible, done_writing),
                                   daemon=True)
        watcher.start()  # the reader watches while lines are written, as loki-canary's tail does
        try:
            with path.open("a") as log:
                for seq in range(lines):
                    written[seq] = time.time()
                    log.write(json.dumps({"seq": seq, "written": written[seq], "level": "INFO", "service": canary}) + "\n")
                    log.flush()
                    time.sleep(interval_s)
            done_writing.set()
            watcher.join(timeout_s + settle_s)
            counts: dict[int, int] = {}
            for text in read(canary):  # every copy the reader holds: a line pushed twice shows twice
                seq = json.loads(text)["seq"]
                counts[seq] = counts.get(seq, 0) + 1
        finally:
            shipper.stop()
    latencies = sorted((visible[seq] - written[seq]) * 1000 for seq in visible if seq in written)
    return CanaryReport(lines, len(visible), sorted(set(range(lines)) - set(visible)),
                        sorted(seq for seq, n in counts.items() if n > 1), _percentiles(latencies))


def _watch(read: Reader, canary: str, expected: int, settle_s: float, timeout_s: float, first_seen: dict[int, float],
           done_writing: threading.Event) -> None:
    """Fill seq -> when the reader first saw it; until all are seen, or (writing done) nothing new for settle_s."""
    last_new = [time.monotonic()]

    def finished() -> bool:
        now = time.time()
        for text in read(canary):
            seq = json.loads(text)["seq"]
            if seq not in first_seen:
                first_seen[seq], last_new[0] = now, time.monotonic()
        return len(first_seen) >= expected or (done_writing.is_set() and time.monotonic() - last_new[0] > settle_s)

    try:
        wait_until(finished, timeout=timeout_s, interval=0.01, what=f"the canary's {expected} lines")
    except WaitTimeout:
        pass  # what never arrived is reported as missing


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    return {"p50": round(values[len(values) // 2], 1), "p95": round(values[int(0.95 * (len(values) - 1))], 1),
            "max": round(values[-1], 1)}
