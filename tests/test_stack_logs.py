"""A long-running stack's component logs are read from a mark on, not from their start every time."""

from __future__ import annotations

from pathlib import Path

from monsuite.manifest import load_manifest
from monsuite.runtimes.base import Handle
from monsuite.stack import Stack

DEFAULT = Path(__file__).resolve().parent.parent / "stacks" / "default"


def test_a_process_log_is_read_from_where_it_stood_when_marked(tmp_path):
    log = tmp_path / "alertmanager.log"
    log.write_text("old line 1\nold line 2\n")
    stack = Stack(load_manifest(DEFAULT))
    stack.handles["alertmanager"] = Handle("alertmanager", "alertmanager", "process", "test", None, log_path=str(log))
    stack.mark_log("alertmanager", 1000.0)
    with log.open("a") as out:
        out.write("new line\n")
    assert stack.read_log("alertmanager", since=1000.0) == "new line\n"
    assert stack.read_log("alertmanager").startswith("old line 1")
