"""Where unwrapped files are written for the tools that read only plain files; each is remembered with
where it came from (monsuite.userio.origins), so what is printed names the user's file and object."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

from monsuite.userio import origins

_folder: Path | None = None
_written: list[Path] = []


def folder() -> Path:
    """This process's folder of unwrapped files, removed when the process ends."""
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="monsuite-deployed-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def write(name: str, content: str, origin: str) -> Path:
    """A plain file written for the tools, remembered as `origin` (e.g. 'rules.yaml (PrometheusRule/ns/name)')."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "unwrapped"
    path = folder() / f"{len(_written):03d}" / safe  # its own folder: the file keeps the object's name
    path.parent.mkdir()
    path.write_text(content, encoding="utf-8")
    origins.remember(path, origin)
    _written.append(path)
    return path
