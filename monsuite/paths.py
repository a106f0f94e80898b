"""Where the stacks and load tests that come with monsuite are (one place, for every caller)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shipped_stack(name: str) -> Path:
    """The directory of a stack that comes with monsuite (default, minimal, ...)."""
    return ROOT / "stacks" / name


def shipped_stacks() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "stacks").glob("*/stack.yaml"))
