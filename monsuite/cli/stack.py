"""`monsuite stack up/status/down`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from monsuite.components.release import RELEASES
from monsuite.errors import UserError
from monsuite.manifest import EXTERNAL_KINDS
from monsuite.runtimes import RUNTIMES
from monsuite.userio.argtypes import OutputFile, StackArg, StateFile, Text, Url

PROFILE = Text("a profile the stack defines: checked against its stack.yaml")

from monsuite.paths import DEFAULT_STATE_FILE


def register(commands) -> None:
    stack = commands.add_parser("stack", help="start, inspect and stop a stack").add_subparsers(metavar="ACTION")
    up = stack.add_parser("up", help="start a stack and wait until it is usable")
    add_stack_options(up)
    up.set_defaults(handler=stack_up)
    status = stack.add_parser("status", help="show what `stack up` started and whether it is healthy")
    add_state_option(status, StateFile())
    status.set_defaults(handler=stack_status)
    down = stack.add_parser("down", help="stop everything `stack up` started")
    add_state_option(down, StateFile())
    down.set_defaults(handler=stack_down)


def add_state_option(parser: argparse.ArgumentParser, kind=None) -> None:
    parser.add_argument("--state-file", type=kind or OutputFile("state file"), default=os.environ.get("MONSUITE_STATE_FILE", DEFAULT_STATE_FILE),
                        help=f"where `stack up` records what it started (default: {DEFAULT_STATE_FILE})")


def add_stack_options(parser: argparse.ArgumentParser, *, state: bool = True) -> None:
    parser.add_argument("--stack", type=StackArg(), default="default",
                        help="a stack directory, or the name of a shipped stack (default: default)")
    parser.add_argument("--runtime", choices=RUNTIMES, default="auto", help="how to provide components (default: auto)")
    parser.add_argument("--profile", type=PROFILE, default="ci", help="time profile: ci (compressed) or real (default: ci)")
    parser.add_argument("--release", choices=RELEASES, default="debian",
                        help="Prometheus and Alertmanager: debian (the packages) or current (built by `monsuite components build`)")
    for kind in EXTERNAL_KINDS:
        parser.add_argument(f"--{kind}-url", type=Url(), help=f"URL of an existing {kind} (external runtime, or auto)")
    if state:
        add_state_option(parser)


def _state_option(state_file: Path) -> str:
    """The --state-file option to repeat in a hint, when the user gave one other than the default."""
    return "" if str(state_file) == str(DEFAULT_STATE_FILE) else f" --state-file {state_file}"


def stack_up(args) -> int:
    from monsuite.options import RunOptions
    from monsuite.run import Run

    state_file = Path(args.state_file)
    if state_file.exists():
        raise UserError(f"{state_file}: a stack is already up (run `monsuite stack down{_state_option(state_file)}` first)")
    stack = Run(RunOptions.from_args(args), log=print).new_stack()
    print(f"run {stack.run_id}: starting stack {stack.manifest.name} ({args.runtime} runtime, {args.profile} profile)", flush=True)
    stack.start()
    for name, reason in stack.unavailable.items():
        print(f"{name:<22} skipped  {reason}")
    print(f"stack usable after {stack.usable_seconds:.2f}s; state in {state_file}; "
          f"stop it with `monsuite stack down{_state_option(state_file)}`")
    return 0


def _read_state(path: str) -> dict:
    from monsuite.attach import read_state

    state_file = Path(path)
    if not state_file.exists():
        raise UserError(f"{state_file}: no stack is up (no state file); start one with `monsuite stack up{_state_option(state_file)}`")
    return read_state(state_file)


def stack_status(args) -> int:
    from monsuite.status import component_status, target_summary

    state = _read_state(args.state_file)
    print(f"run {state['run_id']}: stack {state['stack']} ({state['runtime']} runtime, {state['profile']} profile)")
    healthy = True
    for name, data in state["components"].items():
        ok, detail = component_status(data)
        healthy &= ok
        print(f"{name:<22} {data['runtime']:<8} {data.get('url') or '-':<28} {'up' if ok else 'DOWN':<5} {detail}")
    for name, reason in state.get("unavailable", {}).items():
        print(f"{name:<22} {'-':<8} {'-':<28} {'skip':<5} {reason}")
    prometheus = next((d for d in state["components"].values() if d["kind"] == "prometheus"), None)
    if prometheus:
        ok, lines = target_summary(prometheus["url"])
        healthy &= ok
        for line in lines:
            print(line)
    return 0 if healthy else 1


def stack_down(args) -> int:
    from monsuite.interrupts import interrupts_deferred
    from monsuite.stack import stop_from_state

    state_file = Path(args.state_file)
    # Ctrl-C waits until the stack is down: stopping half of it would leave the rest with no state file
    with interrupts_deferred("stopping the stack"):
        state = _read_state(args.state_file)
        print(f"run {state['run_id']}: stopping {len(state['components'])} components", flush=True)
        stopped = stop_from_state(state)  # raises, keeping the state file, if anything is still there
        state_file.unlink(missing_ok=True)
        print(f"run {state['run_id']}: stopped {', '.join(stopped) or 'nothing'}; removed {state.get('run_dir')}")
    return 0
