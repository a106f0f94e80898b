"""A stack's component lifecycle: start from its manifest, wait until each component is ready, stop
everything it started, and keep the state file.

The start, in order: pick a runtime per component; allocate ports; render the configuration into a
fresh run directory; run the start steps' `prepare` (what a run adds: monsuite.alerts.setup); start
components wave by wave (each wave concurrently, in worker threads) and wait for each one's readiness
check; then the steps' `usable` (monsuite.readiness.Usable waits until the stack can be used). Whatever
fails or is interrupted on the way, everything started so far is stopped and the run directory removed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Sequence

import requests

from monsuite.clients.access import refusal_hint, session_for, tls_hint
from monsuite.clients.http import redacted, root_cause
from monsuite.errors import ComponentUnavailable, ManifestError, UserError
from monsuite.interrupts import delivered, interrupts_deferred
from monsuite.manifest import Component, StackManifest
from monsuite.ports import free_ports, port_is_open
from monsuite.profiles import resolve_profile
from monsuite.render import missing_config_files, render_string, render_tree
from monsuite.rules.model import expand
from monsuite.runtimes import process
from monsuite.runtimes.base import Aborted, Choice, Handle, StartContext, Unavailable
from monsuite.runtimes.registry import runtime_of
from monsuite.runtimes.select import choose_all
from monsuite.waits import WaitTimeout, wait_until


class StackStartError(UserError):
    """A component did not start or the stack never became usable."""


class TeardownIncomplete(UserError):
    """Something the run started is still there after stopping it (named in the message)."""

    exit_status = 1


class StartStep:
    """What a run adds to a stack's start, around the components' lifecycle (monsuite.run composes them):
    `transforms` changes rule files as they are rendered, `prepare` runs once the configuration is rendered
    and before any component starts, `attached` when a run uses a stack another process started, and
    `usable` once every component is ready (it waits until the stack can be used, or raises)."""

    def transforms(self, stack: "Stack") -> dict[Path, Callable[[str], str]]:
        return {}

    def prepare(self, stack: "Stack", context: dict) -> None:
        pass

    def attached(self, stack: "Stack") -> None:
        pass

    def usable(self, stack: "Stack") -> None:
        pass


class Stack:
    # Stacks that started something not yet stopped: whatever escapes a start (a second Ctrl-C landing
    # before its own teardown began) is still stopped by the top-level handler (stop_active).
    active: "set[Stack]" = set()

    def __init__(
        self,
        manifest: StackManifest,
        *,
        runtime: str = "auto",
        profile: str = "ci",
        urls: dict[str, str] | None = None,
        state_file: str | Path | None = None,
        log: Callable[[str], None] | None = None,
        steps: "Sequence[StartStep]" = (),
    ):
        self.profile_values = resolve_profile(manifest, profile)
        self.manifest = manifest
        self.runtime = runtime
        self.profile = profile
        self.urls = {k: v for k, v in (urls or {}).items() if v}
        self.state_file = Path(state_file) if state_file else None
        self.log = log or (lambda message: None)
        self.run_id = os.environ.get("MONSUITE_RUN_ID_OVERRIDE") or uuid.uuid4().hex[:12]
        self.run_dir: Path | None = None
        self.handles: dict[str, Handle] = {}
        self.ran: dict[str, Handle] = {}  # everything started in this run, kept after stop for reports
        self.unavailable: dict[str, str] = {}
        self.choices: dict[str, Choice | Unavailable] = {}
        self.usable_seconds: float | None = None
        self.steps = tuple(steps)
        self.canary = None  # the pipeline canary's settings, where a step installed it (monsuite.alerts.setup)
        self._log_marks: dict[str, dict[float, int]] = {}
        self._abort = threading.Event()
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._started_at = 0.0
        self.attached = False  # the components are another process's (`stack up`): used, never stopped

    @classmethod
    def attach(cls, state: dict, state_file: Path, *, log: Callable[[str], None] | None = None,
               steps: "Sequence[StartStep]" = ()) -> "Stack":
        """The stack a state file describes, to use without owning it (see monsuite.attach)."""
        from monsuite.manifest import load_manifest

        stack = cls(load_manifest(state["stack"]), runtime=state["runtime"], profile=state["profile"],
                    state_file=state_file, log=log, steps=steps)
        stack.attached = True
        stack.run_id = state["run_id"]
        stack.run_dir = Path(state["run_dir"]) if state.get("run_dir") else None
        stack.unavailable = dict(state.get("unavailable") or {})
        stack.handles = {name: Handle(**{k: v for k, v in data.items() if k in Handle.__dataclass_fields__})
                         for name, data in state["components"].items()}
        stack.ran = dict(stack.handles)
        return stack

    def _attach(self) -> None:
        """Each component recorded is still there and ready; the settings the start derived are derived again."""
        self.choices = choose_all(self.manifest, self.runtime, {})
        self._ports = {name: dict(handle.ports) for name, handle in self.handles.items()}
        self._context_values = self._context(self._ports)
        for name, handle in self.handles.items():
            if runtime_of(handle).exit_status(handle) is not None:
                raise StackStartError(f"run {self.run_id}: {name} is no longer running; "
                                      f"`monsuite stack down --state-file {self.state_file}` and start again")
            self._wait_ready(self.manifest.components[name], handle)
        for step in self.steps:
            step.attached(self)
        for step in self.steps:
            step.usable(self)
        self.usable_seconds = time.monotonic() - self._started_at
        self.log(f"attached to run {self.run_id} (started by `monsuite stack up`, state in {self.state_file}); "
                 "it stays up after this run")

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- queries -------------------------------------------------------------------------------
    def url(self, name: str) -> str | None:
        handle = self.handles.get(name)
        return handle.url if handle else None

    def of_kind(self, kind: str) -> list[Handle]:
        return [h for h in self.handles.values() if h.kind == kind]

    def first_url(self, kind: str) -> str | None:
        handles = self.of_kind(kind)
        return handles[0].url if handles else None

    def reason_unavailable(self, name: str) -> str | None:
        return self.unavailable.get(name)

    def rule_files(self) -> list[Path]:
        return expand(self.manifest.directory, list(self.manifest.rule_files))

    def started_components(self, kind: str | None = None) -> dict[str, Choice]:
        """name -> choice of the components this stack itself starts (of one kind, if given)."""
        return {n: c for n, c in self.choices.items() if isinstance(c, Choice) and runtime_of(c).starts
                and (kind is None or self.manifest.components[n].kind == kind)}

    @property
    def started_at(self) -> float:
        """When the start began (unix seconds)."""
        return time.time() - (time.monotonic() - self._started_at)

    def check_aborted(self) -> None:
        """Raises Aborted once the start is being given up (a failure elsewhere, an interrupt): waits end."""
        if self._abort.is_set():
            raise Aborted()

    # ---- start ---------------------------------------------------------------------------------
    def start(self) -> "Stack":
        self._started_at = time.monotonic()
        Stack.active.add(self)
        try:
            self._attach() if self.attached else self._start()
        except BaseException:
            delivered()
            self._abort.set()
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.choices = choose_all(self.manifest, self.runtime, self.urls)
        for name, choice in self.choices.items():
            if isinstance(choice, Unavailable):
                self.unavailable[name] = choice.reason
        if not any(isinstance(c, Choice) for c in self.choices.values()):
            how = "; ".join(f"{n}: {r}" for n, r in list(self.unavailable.items())[:2])
            raise ComponentUnavailable(f"{self.manifest.path}: no component can be provided with --runtime {self.runtime} "
                                       f"(with external, give at least --prometheus-url). {how}")
        # An external stack is whatever the user points at: what it lacks is skipped, never fatal.
        required = [] if self.runtime == "external" else [
            n for n in self.unavailable if not self.manifest.components[n].optional]
        if required:
            name = required[0]
            raise ComponentUnavailable(f"{self.manifest.path}: component {name} cannot be started: {self.unavailable[name]}")
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"monsuite-{self.run_id}-"))
        self.run_dir.chmod(0o755)
        self._write_state()
        ports = self._allocate_ports()
        context = self._context(ports)
        self._ports, self._context_values = ports, context
        if any(isinstance(c, Choice) and runtime_of(c).starts for c in self.choices.values()):
            transforms = {path: change for step in self.steps for path, change in step.transforms(self).items()}
            render_tree(self.manifest.directory, self.run_dir / "config", context, transforms)
            self._check_config_files()
            for step in self.steps:
                step.prepare(self, context)
        for wave in self.manifest.start_order():
            names = [n for n in wave if isinstance(self.choices[n], Choice)]
            self._run_concurrently(names, lambda n: self._start_component(n, ports, context))
        self.log(f"all components ready after {time.monotonic() - self._started_at:.2f}s; "
                 "waiting for the stack to be usable (every target scraped, Alertmanager discovered)")
        for step in self.steps:
            step.usable(self)
        self.usable_seconds = time.monotonic() - self._started_at
        self._write_state()

    def _run_concurrently(self, names: list[str], work: Callable[[str], None]) -> None:
        if not names:
            return
        # Worker threads do the starting; the main thread only waits, so Ctrl-C lands here and the
        # teardown below first lets every worker finish registering what it started.
        pool = ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="monsuite-start")
        self._pool = pool
        futures = {}
        try:
            for name in names:  # an interrupt while submitting must also wait for the workers already started
                futures[pool.submit(work, name)] = name
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        except BaseException:
            delivered()  # an interrupt is being handled: a second one now only waits for the teardown
            self._abort.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        failed = [f.exception() for f in done if f.exception() is not None]
        if failed:
            self._abort.set()  # the others stop waiting for readiness at once
        pool.shutdown(wait=True)
        if failed:
            raise next((e for e in failed if not isinstance(e, Aborted)), failed[0])

    def _check_config_files(self) -> None:
        started = {n for n, c in self.choices.items() if isinstance(c, Choice) and runtime_of(c).starts}
        for field, relative in missing_config_files(self.manifest, self.run_dir / "config"):
            if field.split(".")[1] in started:
                raise ManifestError(self.manifest.path, field, f"names {{{{ config_dir }}}}/{relative}, which the stack "
                                    f"directory does not have: add {relative} (or {relative}.j2) beside stack.yaml")

    def _allocate_ports(self) -> dict[str, dict[str, int]]:
        wanted = [
            (name, port)
            for name, choice in self.choices.items()
            if isinstance(choice, Choice) and runtime_of(choice).starts
            for port in self.manifest.components[name].ports
        ]
        numbers = iter(free_ports(len(wanted)))
        ports: dict[str, dict[str, int]] = {}
        for name, port in wanted:
            ports.setdefault(name, {})[port] = next(numbers)
        return ports

    def _context(self, ports: dict[str, dict[str, int]]) -> dict:
        components = {}
        for name, choice in self.choices.items():
            if not isinstance(choice, Choice):
                continue
            component = self.manifest.components[name]
            own = ports.get(name, {})
            components[name] = {
                "name": name,
                "kind": component.kind,
                "runtime": choice.runtime,
                "ports": own,
                "port": own.get(component.ports[0]) if own and component.ports else None,
                "url": self._url_of(component, choice, own),
                "dir": str(self.run_dir / name),
                "data_dir": str(self.run_dir / name / "data"),
                "bin_dir": os.path.dirname(choice.argv0[0]) if choice.argv0 else "",
            }
        return {
            "run_dir": str(self.run_dir),
            "config_dir": str(self.run_dir / "config"),
            "stack_name": self.manifest.name,
            "profile": self.profile_values,
            "python": sys.executable,
            "components": components,
        }

    @staticmethod
    def _url_of(component: Component, choice: Choice, own_ports: dict[str, int]) -> str | None:
        if not runtime_of(choice).starts:
            return choice.url
        if component.url is not None:
            return component.url.format(**own_ports)
        if component.ports:
            return f"http://127.0.0.1:{own_ports[component.ports[0]]}"
        return None

    # ---- one component at a time (faults that stop and restart a component) -----------------
    def stop_component(self, name: str, *, abrupt: bool = False) -> float:
        """Stop one started component (abrupt: SIGKILL at once, as a crash: no graceful leave, no state
        saved on the way out); returns the time (unix seconds) it was gone."""
        handle = self.handles.get(name)
        if handle is None or not runtime_of(handle).starts:
            raise UserError(f"component {name} is not started by this stack, so it cannot be stopped")
        if abrupt:
            handle.stop_signal = "SIGKILL"  # a container is removed with SIGKILL in any case
        _stop_handle(handle)
        with self._lock:
            self.handles.pop(name, None)
        self._write_state()
        return time.time()

    def start_component(self, name: str) -> None:
        """Start again a component stopped with stop_component: same ports, arguments and data."""
        if name in self.handles:
            return
        self._start_component(name, self._ports, self._context_values, first_start=False)

    def read_log(self, name: str, since: float | None = None) -> str:
        """A component's log; with `since` (unix seconds), only what it wrote from about then on, so that
        a long-running stack's growing log is not read again and again (a docker log from the whole
        second before, a process log from the size it had then)."""
        handle = self.handles.get(name) or self.ran.get(name)
        if handle is None:
            return ""
        offset = self._log_offset(handle.log_path, since) if handle.log_path and os.path.exists(handle.log_path) else 0
        return runtime_of(handle).log(handle, since, offset)

    def host_pid(self, name: str) -> int | None:
        """The pid of a running component's main process on this machine (None: not started here)."""
        handle = self.handles.get(name)
        return runtime_of(handle).host_pid(handle) if handle is not None else None

    def mark_log(self, name: str, at: float) -> None:
        """Remember where a component's log stands now, for read_log(name, since=at)."""
        handle = self.handles.get(name)
        if handle is not None and handle.log_path and os.path.exists(handle.log_path):
            self._log_offset(handle.log_path, at)

    def _log_offset(self, path: str, since: float | None) -> int:
        """The size a process log had at `since`, remembered the first time it is asked for."""
        if since is None:
            return 0
        with self._lock:
            marks = self._log_marks.setdefault(path, {})
            if since not in marks:
                marks[since] = os.path.getsize(path)
            return marks[since]

    def _start_component(self, name: str, ports: dict, context: dict, first_start: bool = True) -> None:
        if self._abort.is_set():
            raise Aborted()
        component = self.manifest.components[name]
        choice = self.choices[name]
        own = {**context, "this": context["components"][name]}
        source = self.manifest.path
        # An argument that renders empty (a template's {% if %} not taken) is dropped.
        args = [r for a in component.args if (r := render_string(a, own, source=source, field=f"components.{name}.args"))]
        init = [[render_string(part, own, source=source, field=f"components.{name}.init") for part in command]
                for command in component.init] if first_start else []
        env = {k: render_string(v, own, source=source, field=f"components.{name}.env.{k}") for k, v in component.env.items()}
        component_dir = self.run_dir / name
        (component_dir / "data").mkdir(parents=True, exist_ok=True)
        component_dir.chmod(0o755)
        (component_dir / "data").chmod(0o777)  # official images run as an unprivileged user
        t0 = time.monotonic()
        runtime = runtime_of(choice)
        ctx = None
        if runtime.starts:
            for port in ports.get(name, {}).values():
                # a restart may follow its own stop closely: give the old listener a moment to be gone
                if port_is_open(port) and (first_start or not _port_freed(port)):
                    raise StackStartError(f"{component.name}: port {port} was taken by another program before start; run again")
            ctx = StartContext(
                run_dir=self.run_dir, run_id=self.run_id, component_dir=component_dir, args=args, env=env,
                ports=ports.get(name, {}), url=context["components"][name]["url"], abort=self._abort, init=init,
            )
        handle = runtime.start(component, choice, ctx)
        self._register(handle)
        self._wait_ready(component, handle)
        for command in component.after_start if first_start else ():
            rendered = [render_string(part, own, source=source, field=f"components.{name}.after_start") for part in command]
            self._run_after_start(component, rendered, StartContext(self.run_dir, self.run_id, component_dir, [], env, {},
                                                                    None, self._abort, []))
        handle.ready_seconds = time.monotonic() - self._started_at
        self.log(f"{name:<22} {handle.runtime:<8} {redacted(handle.url) if handle.url else '-':<28} ready after {time.monotonic() - t0:5.2f}s  ({handle.detail})")
        self._write_state()

    @staticmethod
    def _run_after_start(component: Component, command: list[str], ctx: StartContext) -> None:
        """An after-start command may need the component a moment longer than its port: a database listens
        before it accepts connections ("the database system is starting up"). It is tried again until it
        succeeds or the component's readiness timeout passes; then its last failure is the start's."""
        failures: list[RuntimeError] = []

        def succeeded() -> bool:
            try:
                process.run_command(command, ctx)
                return True
            except RuntimeError as exc:
                failures.append(exc)
                return False

        try:
            wait_until(succeeded, timeout=component.ready.timeout, interval=0.2, fatal=(Aborted,),
                       what=f"{component.name}: `{' '.join(command)}`")
        except WaitTimeout:
            raise StackStartError(f"{component.name}: {failures[-1]}") from None

    def _register(self, handle: Handle) -> None:
        with self._lock:
            self.handles[handle.name] = handle
            self.ran[handle.name] = handle
        self._write_state()

    def _wait_ready(self, component: Component, handle: Handle) -> None:
        ready = component.ready
        target = f"{redacted(handle.url)}{ready.http}" if ready.http else f"port {next(iter(handle.ports.values()), '?')}"
        elsewhere = not runtime_of(handle).starts  # nothing of ours is starting there: a refusal is final
        session = session_for(handle.url) if handle.url else None

        def probe():
            if self._abort.is_set():
                raise Aborted()
            status = runtime_of(handle).exit_status(handle)
            if status is not None:
                raise StackStartError(f"{component.name} exited with status {status} before it was ready. {self._log_tail(handle)}")
            if ready.http:
                try:
                    response = session.get(f"{handle.url}{ready.http}", timeout=2)
                except requests.exceptions.SSLError:  # waiting will not make a certificate trusted
                    raise StackStartError(f"{component.name} at {redacted(handle.url)}: {tls_hint(handle.url)}") from None
                except requests.ConnectionError as exc:
                    if elsewhere and isinstance(root_cause(exc), ConnectionRefusedError):
                        raise StackStartError(f"{component.name} ready ({target}): connection refused; is it running, "
                                              "and is this its URL?") from None
                    raise
                if response.status_code in (401, 403):
                    raise StackStartError(f"{component.name} at {redacted(handle.url)}: "
                                          f"{refusal_hint(handle.url, response.status_code)}")
                return response.status_code < 300 or f"HTTP {response.status_code}"
            return port_is_open(next(iter(handle.ports.values())))

        try:
            wait_until(probe, timeout=ready.timeout, fatal=(StackStartError, Aborted), what=f"{component.name} ready ({target})",
                       accept=lambda r: r is True)
        except WaitTimeout as exc:
            raise StackStartError(f"{exc}. {self._log_tail(handle)}") from None
        finally:
            if session is not None:
                session.close()

    def _log_tail(self, handle: Handle) -> str:
        text = runtime_of(handle).log_tail(handle)
        lines = [line for line in text.strip().splitlines() if line.strip()][-6:]
        return ("Last output: " + " | ".join(lines)) if lines else "It printed nothing."

    # ---- stop ----------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop everything this stack started (reverse start order), remove its run directory, then the state
        file, and verify that nothing is left. Further Ctrl-C / SIGTERM wait until this is done."""
        if self.attached:  # `stack up` started it; `stack down` stops it
            Stack.active.discard(self)
            return
        with interrupts_deferred("stopping the stack"):
            if self.handles:
                self.log(f"stopping {len(self.handles)} components")
            stopped = self._stop_handles()
            left = [f"{h.name} ({runtime_of(h).where(h)})" for h in stopped if runtime_of(h).left_behind(h)]
            if self.run_dir and self.run_dir.exists():
                shutil.rmtree(self.run_dir, ignore_errors=True)
                if self.run_dir.exists():
                    left.append(f"run directory {self.run_dir}")
            if left:  # the state file stays: it is how the user (or `stack down`) finds what remains
                raise TeardownIncomplete(f"run {self.run_id}: could not stop {', '.join(left)}"
                                         + (f"; retry with `monsuite stack down --state-file {self.state_file}`"
                                            if self.state_file else ""))
            if self.state_file:
                with self._state_lock:
                    self.state_file.unlink(missing_ok=True)
            Stack.active.discard(self)

    def _stop_handles(self) -> list[Handle]:
        self._abort.set()
        if self._pool is not None:  # let any start still in flight register what it started first
            self._pool.shutdown(wait=True, cancel_futures=True)
        stopped = []
        for wave in reversed(self.manifest.start_order()):
            handles = [self.handles[n] for n in wave if n in self.handles]
            threads = [threading.Thread(target=_stop_handle, args=(h,)) for h in handles]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with self._lock:
                for handle in handles:
                    self.handles.pop(handle.name, None)
            stopped += handles
        return stopped

    # ---- state file ----------------------------------------------------------------------------
    def state(self) -> dict:
        with self._lock:
            # credentials in a URL's userinfo stay in memory only: never in a file or a report
            components = {n: {**h.to_state(), "url": redacted(h.url) if h.url else h.url} for n, h in self.handles.items()}
        return {
            "run_id": self.run_id,
            "stack": str(self.manifest.path),
            "runtime": self.runtime,
            "profile": self.profile,
            "run_dir": str(self.run_dir) if self.run_dir else None,
            "usable_seconds": self.usable_seconds,
            "components": components,
            "unavailable": dict(self.unavailable),
        }

    def _write_state(self) -> None:
        if not self.state_file:
            return
        with self._state_lock:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.state(), indent=2))
            tmp.replace(self.state_file)


def stop_active() -> None:
    """Stop every stack of this process that is still up (the last line of defence of an interrupt)."""
    for stack in list(Stack.active):
        stack.stop()


def _port_freed(port: int, seconds: float = 10.0) -> bool:
    try:
        wait_until(lambda: not port_is_open(port), timeout=seconds, interval=0.1, what=f"port {port} free")
    except WaitTimeout:
        return False
    return True


def _stop_handle(handle: Handle) -> None:
    runtime_of(handle).stop(handle)


def stop_from_state(state: dict) -> list[str]:
    """Stop the components recorded in a state file (another process started them); verify they are gone.

    Raises TeardownIncomplete naming what is still there."""
    stopped, left = [], []
    with interrupts_deferred("stopping the stack"):
        for name, data in state.get("components", {}).items():
            handle = Handle(**{k: v for k, v in data.items() if k in Handle.__dataclass_fields__})
            _stop_handle(handle)
            stopped.append(name)
            if runtime_of(handle).left_behind(handle):
                left.append(f"{name} ({runtime_of(handle).where(handle)})")
        run_dir = state.get("run_dir")
        if run_dir and Path(run_dir).is_dir() and Path(run_dir).name.startswith("monsuite-"):
            shutil.rmtree(run_dir, ignore_errors=True)
            if Path(run_dir).exists():
                left.append(f"run directory {run_dir}")
    if left:
        raise TeardownIncomplete(f"run {state.get('run_id')}: could not stop {', '.join(left)}")
    return stopped
