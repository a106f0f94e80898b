"""One interface for every way a component can be provided, and the registry that picks one by name.

A runtime chooses whether it can provide a component (an image, a binary, a URL), starts it, says
whether it still runs, reads its log and stops it. The stack, `stack status` and the runtime selection
talk to runtimes only through this interface.
"""

from __future__ import annotations

import os
from typing import Protocol

from monsuite.manifest import Component
from monsuite.runtimes import docker, external, process
from monsuite.runtimes.base import Choice, Handle, StartContext, Unavailable


class Runtime(Protocol):
    name: str
    starts: bool  # False: it points at what already runs (nothing to start, render, stop or read)

    def choose(self, component: Component, urls: dict[str, str]) -> Choice | Unavailable: ...

    def start(self, component: Component, choice: Choice, ctx: StartContext | None) -> Handle: ...

    def exit_status(self, handle: Handle) -> int | None:
        """None while it runs; its exit status once it ended."""

    def where(self, handle: Handle) -> str:
        """What it is, for people: a pid, a container, a URL."""

    def host_pid(self, handle: Handle) -> int | None:
        """Its main process's pid on this machine, where there is one."""

    def log(self, handle: Handle, since: float | None, file_offset: int) -> str:
        """Its output from about `since` (a runtime with a log file reads it from `file_offset`)."""

    def log_tail(self, handle: Handle) -> str: ...

    def stop(self, handle: Handle) -> None: ...

    def left_behind(self, handle: Handle) -> bool:
        """After stop: True if anything it started is still there."""


def _file_log(handle: Handle, offset: int) -> str:
    if not handle.log_path or not os.path.exists(handle.log_path):
        return ""
    with open(handle.log_path, "rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


class DockerRuntime:
    name, starts = "docker", True

    def choose(self, component, urls):
        found = docker.choose(component)
        if isinstance(found, Unavailable) and component.module:
            # monsuite's own Python components (demo service, sinks) have no image: they are the suite's
            # instruments and run as local processes next to the containers.
            return process.choose(component)
        return found

    def start(self, component, choice, ctx):
        return docker.start(component, choice, ctx)

    def exit_status(self, handle):
        return docker.exit_status(handle)

    def where(self, handle):
        return f"container {(handle.container_id or '?')[:12]}"

    def host_pid(self, handle):
        return docker.host_pid(handle)

    def log(self, handle, since, file_offset):
        return docker.full_log(handle, since=since - 1 if since is not None else None)  # whole seconds

    def log_tail(self, handle):
        return docker.log_tail(handle)

    def stop(self, handle):
        docker.stop(handle)

    def left_behind(self, handle):
        return docker.container_exists(handle)


class ProcessRuntime:
    name, starts = "process", True

    def choose(self, component, urls):
        return process.choose(component)

    def start(self, component, choice, ctx):
        return process.start(component, choice, ctx)

    def exit_status(self, handle):
        return process.exit_status(handle)

    def where(self, handle):
        return f"pid {handle.pid}"

    def host_pid(self, handle):
        return handle.pid if process.is_alive(handle.pid, handle.pid_start_ticks) else None

    def log(self, handle, since, file_offset):
        return _file_log(handle, file_offset)

    def log_tail(self, handle):
        return _file_log(handle, 0)[-1500:]

    def stop(self, handle):
        process.stop(handle)

    def left_behind(self, handle):
        return process.group_alive(handle)


class ExternalRuntime:
    name, starts = "external", False

    def choose(self, component, urls):
        return external.choose(component, urls)

    def start(self, component, choice, ctx):
        return external.handle(component, choice)

    def exit_status(self, handle):
        return None

    def where(self, handle):
        return handle.detail

    def host_pid(self, handle):
        return None

    def log(self, handle, since, file_offset):
        return ""

    def log_tail(self, handle):
        return ""

    def stop(self, handle):
        pass  # not ours

    def left_behind(self, handle):
        return False


REGISTRY: dict[str, Runtime] = {r.name: r for r in (DockerRuntime(), ProcessRuntime(), ExternalRuntime())}


def runtime_of(thing: Choice | Handle | str) -> Runtime:
    """The runtime of a choice, a handle (also one read back from a state file) or a name."""
    return REGISTRY[thing if isinstance(thing, str) else thing.runtime]
