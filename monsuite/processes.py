"""Stopping a child process monsuite started itself (never by name: by its Popen, so by its PID)."""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen, grace: float = 10.0, *, terminate: bool = True) -> None:
    """SIGTERM (unless `terminate` is false: the process is expected to quit by itself), wait up to
    `grace` seconds, then SIGKILL; always reaped."""
    if proc.poll() is not None:
        return
    if terminate:
        proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
