"""What a running campaign shows while it runs: on a terminal, a live table (scenarios done / running /
left, and the stage each running one is in); elsewhere (CI logs), one line per finished scenario."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

WAITING_HISTORY = "waiting for history"
INJECTING = "injecting the fault"
AWAITING_FIRING = "fault in place, awaiting the notifications"
AWAITING_RESOLVED = "fault cleared, awaiting the resolved notifications"


class Progress:
    """Silent: the interface, and what a campaign shows when nobody watches."""

    def begin(self, names: list[str]) -> None:
        pass

    def stage(self, name: str, stage: str) -> None:
        pass

    def finished(self, name: str, status: str, seconds: float) -> None:
        pass

    def end(self) -> None:
        pass


class _Tally(Progress):
    def __init__(self):
        self.lock = threading.Lock()
        self.left: list[str] = []
        self.running: dict[str, tuple[str, float]] = {}  # name -> (stage, since)
        self.done: list[tuple[str, str]] = []
        self.started = time.monotonic()

    def begin(self, names: list[str]) -> None:
        with self.lock:
            self.left, self.running, self.done = list(names), {}, []
            self.started = time.monotonic()

    def stage(self, name: str, stage: str) -> None:
        with self.lock:
            if name in self.left:
                self.left.remove(name)
            self.running[name] = (stage, self.running.get(name, (stage, time.monotonic()))[1])

    def finished(self, name: str, status: str, seconds: float) -> None:
        with self.lock:
            self.running.pop(name, None)
            if name in self.left:
                self.left.remove(name)
            self.done.append((name, status))


class LineProgress(_Tally):
    """One line per finished scenario, for logs."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream

    def finished(self, name: str, status: str, seconds: float) -> None:
        super().finished(name, status, seconds)
        with self.lock:
            total = len(self.done) + len(self.running) + len(self.left)
            line = (f"campaign [{len(self.done)}/{total}] {name} {status} in {seconds:.1f}s"
                    f" ({time.monotonic() - self.started:.0f}s; running: {', '.join(sorted(self.running)) or '-'})")
        self.stream.write(line + "\n")
        self.stream.flush()


class LiveProgress(_Tally):
    """A table redrawn in place on a terminal."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.live = Live(self._table(), console=Console(file=stream), refresh_per_second=4, transient=True,
                         get_renderable=self._table)

    def begin(self, names: list[str]) -> None:
        super().begin(names)
        self.live.start()

    def end(self) -> None:
        self.live.stop()
        with self.lock:
            troubled = [n for n, s in self.done if s != "done"]
        self.live.console.print(f"campaign: {len(self.done)} scenarios in {time.monotonic() - self.started:.0f}s"
                                + (f"; with problems: {', '.join(troubled)}" if troubled else ""))

    def _table(self) -> Table:
        with self.lock:
            table = Table(title=f"alert campaign: {len(self.done)} done, {len(self.running)} running, "
                                f"{len(self.left)} left ({time.monotonic() - self.started:.0f}s)", title_justify="left")
            table.add_column("scenario")
            table.add_column("stage")
            table.add_column("for", justify="right")
            now = time.monotonic()
            for name, (stage, since) in sorted(self.running.items()):
                table.add_row(name, stage, f"{now - since:.0f}s")
        return table


def progress_for(stream: TextIO | None = None) -> Progress:
    stream = stream or sys.stderr
    return LiveProgress(stream) if stream.isatty() else LineProgress(stream)
