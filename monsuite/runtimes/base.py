"""What every runtime hands back: a started component that can say where it is and stop."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path


class Aborted(Exception):
    """The stack is being torn down (Ctrl-C, SIGTERM, or another component failed)."""


@dataclass
class Choice:
    """Which runtime provides a component, and with what (an image, a binary, a URL)."""

    runtime: str
    detail: str
    image: str | None = None
    argv0: list[str] | None = None  # process runtime: the command prefix (binary or python -m module)
    url: str | None = None  # external runtime


@dataclass
class Unavailable:
    reason: str


@dataclass
class Handle:
    """A component that is running (or, for external, that is reachable)."""

    name: str
    kind: str
    runtime: str
    detail: str
    url: str | None
    ports: dict[str, int] = field(default_factory=dict)
    pid: int | None = None
    pid_start_ticks: int | None = None
    container_id: str | None = None
    log_path: str | None = None
    ready_seconds: float | None = None
    stop_signal: str = "SIGTERM"

    def to_state(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


@dataclass
class StartContext:
    """Everything a runtime needs to start one component."""

    run_dir: Path
    run_id: str
    component_dir: Path
    args: list[str]
    env: dict[str, str]
    ports: dict[str, int]
    url: str | None
    abort: threading.Event
    init: list[list[str]] = field(default_factory=list)  # commands run before start (process runtime)
