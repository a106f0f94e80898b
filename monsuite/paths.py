"""Where the stacks and load tests that ship with monsuite are: data inside the package, found with
importlib.resources, so an installed monsuite has them wherever it runs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package() -> Path:
    return Path(str(files("monsuite")))


DEFAULT_STATE_FILE = ".monsuite/state.json"  # where `monsuite stack up` records what it started


def shipped_stack(name: str) -> Path:
    """The directory of a stack that ships with monsuite (default, minimal, ...)."""
    return _package() / "stacks" / name


def shipped_stacks() -> list[str]:
    return sorted(p.parent.name for p in (_package() / "stacks").glob("*/stack.yaml"))


def shipped_loadtests() -> Path:
    """The locustfiles, load shapes and load scenarios."""
    return _package() / "loadtests"
