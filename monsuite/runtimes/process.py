"""The process runtime: components as local processes from binaries on PATH (or Python modules)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monsuite.manifest import Component
from monsuite.runtimes.base import Aborted, Choice, Handle, StartContext, Unavailable

STOP_GRACE_SECONDS = 10.0
COMMAND_TIMEOUT_SECONDS = 120.0
KILL_GRACE_SECONDS = 10.0


def find_binary(candidates: tuple[str, ...]) -> str | None:
    """The first candidate that exists: a name on PATH, or a path (globs allowed)."""
    for candidate in candidates:
        if "/" in candidate:
            for match in sorted(glob.glob(candidate), reverse=True):
                if os.access(match, os.X_OK):
                    return match
        else:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def host_binary(component: Component) -> str | None:
    """The component's binary on this host: a candidate on PATH, else the one its `build` recipe made."""
    found = find_binary(component.binary)
    if found or not component.build:
        return found
    from monsuite.components.build import binary

    return binary(component.build, component.binary[0])


def choose(component: Component) -> Choice | Unavailable:
    if component.module:
        return Choice("process", f"python -m {component.module}", argv0=[sys.executable, "-m", component.module])
    if not component.binary:
        return Unavailable(f"no host binary is declared for {component.name}")
    binary = host_binary(component)
    if binary is None:
        built = f", nor built (`monsuite components build {component.build}`)" if component.build else ""
        return Unavailable(f"binary {' or '.join(component.binary)} not found on PATH{built}")
    if component.run_as and os.geteuid() == 0:
        try:
            pwd.getpwnam(component.run_as)
        except KeyError:
            return Unavailable(f"user {component.run_as!r} (needed to run {binary}) does not exist")
    return Choice("process", f"binary {binary}", argv0=[binary])


def start(component: Component, choice: Choice, ctx: StartContext) -> Handle:
    user = component.run_as if (component.run_as and os.geteuid() == 0) else None
    if user:
        info = pwd.getpwnam(user)
        for path in [ctx.component_dir, *ctx.component_dir.rglob("*")]:
            os.chown(path, info.pw_uid, info.pw_gid)
    for command in ctx.init:
        run_command(command, ctx, user)
    log_path = ctx.component_dir / "output.log"
    argv = [*choice.argv0, *ctx.args]
    # Runs in a worker thread of the stack (never the main thread), so Ctrl-C cannot interrupt it
    # between creating the child and returning its handle.
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            argv, cwd=ctx.component_dir, env=_child_env(ctx), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, user=user,
        )
    handle = Handle(
        name=component.name, kind=component.kind, runtime="process", detail=choice.detail, url=ctx.url,
        ports=dict(ctx.ports), pid=proc.pid, pid_start_ticks=_start_ticks(proc.pid), log_path=str(log_path),
        stop_signal=component.stop_signal,
    )
    handle._popen = proc  # noqa: SLF001 - kept to reap the child and read its exit status
    return handle


def spawn(argv: list[str], *, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env: dict | None = None,
          text: bool = False, own_group: bool = True) -> subprocess.Popen:
    """Start a helper process of a check (an Alertmanager for routing cases, nginx, Locust and its workers,
    stress-ng): stdin closed; by default in a process group of its own, so a terminal's Ctrl-C reaches only
    monsuite, which stops it by its PID (monsuite.processes.stop_process)."""
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env=env, text=text,
                            start_new_session=own_group)


def run_command(command: list[str], ctx: StartContext, user: str | None = None) -> None:
    """Run an init/after-start command to completion; its failure is the component's failure. A start
    given up (an interrupt, another component failing) stops it at once rather than when it ends."""
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(command, cwd=ctx.component_dir, env=_child_env(ctx), stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT, user=user, start_new_session=True)
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while proc.poll() is None:
            if ctx.abort.is_set() or time.monotonic() > deadline:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
                if ctx.abort.is_set():
                    raise Aborted()
                raise RuntimeError(f"`{' '.join(command)}` did not finish within {COMMAND_TIMEOUT_SECONDS:g}s")
            try:
                proc.wait(timeout=0.05)  # returns as soon as the command ends
            except subprocess.TimeoutExpired:
                pass
        if proc.returncode != 0:
            output.seek(0)
            said = output.read().decode(errors="replace").strip()
            raise RuntimeError(f"`{' '.join(command)}` failed ({proc.returncode}): {said[-400:]}")


def exit_status(handle: Handle) -> int | None:
    """None while running; the exit code once the process has ended."""
    proc = getattr(handle, "_popen", None)
    if proc is not None:
        return proc.poll()
    return None if is_alive(handle.pid, handle.pid_start_ticks) else -1


def stop(handle: Handle) -> None:
    """Stop the process group this handle started: SIGTERM, then SIGKILL after a grace period."""
    if handle.pid is None or not is_alive(handle.pid, handle.pid_start_ticks):
        _reap(handle)
        return
    _signal_group(handle.pid, getattr(signal, handle.stop_signal, signal.SIGTERM))
    if _group_gone_within(handle, STOP_GRACE_SECONDS):
        return
    _signal_group(handle.pid, signal.SIGKILL)
    # SIGKILL is not instant: a busy machine can take seconds to tear down a many-threaded process
    _group_gone_within(handle, KILL_GRACE_SECONDS)


def _group_gone_within(handle: Handle, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        _reap(handle)
        if not _group_alive(handle.pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def group_alive(handle: Handle) -> bool:
    """True while any process of the group this handle started still runs."""
    _reap(handle)
    return handle.pid is not None and _group_alive(handle.pid)


def is_alive(pid: int | None, start_ticks: int | None) -> bool:
    """True if ``pid`` is still the process we started (not a recycled pid)."""
    if pid is None:
        return False
    ticks = _start_ticks(pid)
    if ticks is None:
        return False
    return start_ticks is None or ticks == start_ticks


def _reap(handle: Handle) -> None:
    proc = getattr(handle, "_popen", None)
    if proc is not None:
        proc.poll()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie leader still counts in its group; if only zombies remain, the group is done.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def _child_env(ctx: StartContext) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ctx.env)
    env["MONSUITE_RUN_ID"] = ctx.run_id
    return env

