"""Attaching to the stack `monsuite stack up` left running (its state file), so that a test run uses it
instead of starting a second one. The attached stack is not this process's to stop: it stays up for
`monsuite stack down`."""

from __future__ import annotations

import json
from pathlib import Path

from monsuite.errors import UserError
from monsuite.manifest import resolve_stack_path


def read_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text())
    except OSError as exc:
        raise UserError(f"{path}: cannot read the state file ({exc.strerror or exc})") from None
    except ValueError:
        raise UserError(f"{path}: not a monsuite state file (invalid JSON); remove it") from None
    if not isinstance(state, dict) or not isinstance(state.get("run_id"), str) or not isinstance(state.get("components"), dict):
        raise UserError(f"{path}: not a monsuite state file (no run_id and components); "
                        "stop what it started by hand and remove it")
    return state


def state_to_attach(state_file: Path, stack: str, explicit_stack: bool) -> dict | None:
    """The state of the stack to attach to, None when no stack is up; a UserError when one is up but is
    not the stack asked for (two stacks would compete for the machine)."""
    if not state_file.is_file():
        return None
    state = read_state(state_file)
    if explicit_stack and resolve_stack_path(stack).resolve() != Path(state.get("stack", "")).resolve():
        raise UserError(f"{state_file}: `monsuite stack up` is running stack {state.get('stack')} (run {state['run_id']}), "
                        f"not {stack}; stop it with `monsuite stack down --state-file {state_file}`, or drop --stack "
                        "to test the stack that is up")
    return state
