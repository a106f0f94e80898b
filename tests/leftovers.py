"""Find anything a run left behind: processes, containers and temp dirs tagged with its run id."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from monsuite.runtimes import docker


def leftovers(run_id: str) -> list[str]:
    found = []
    marker = f"MONSUITE_RUN_ID={run_id}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(f"process {entry.name}: {(entry / 'cmdline').read_bytes()[:80]!r}")
        except OSError:
            continue
    client = docker.client()
    if client is not None:
        for container in client.containers.list(all=True, filters={"label": f"{docker.RUN_LABEL}={run_id}"}):
            found.append(f"container {container.short_id} ({container.status})")
    found += [f"directory {d}" for d in glob.glob(os.path.join(tempfile.gettempdir(), f"monsuite-{run_id}-*"))]
    return found
