"""The documented GitHub Actions workflow and the pre-commit hooks run commands that exist, with flags they take."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from monsuite.cli import build_parser

REPO = Path(__file__).resolve().parent.parent


def _parses(words: list[str]) -> None:
    """argparse accepts the command line (files are not read: only the words are checked)."""
    parser = build_parser()
    action = parser._subparsers._group_actions[0]
    for word in words:
        assert word in action.choices, f"{word!r} is not a monsuite command ({' '.join(words)})"
        parser = action.choices[word]
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            return
        action = subs[0]


def _flags(parser_words: list[str]) -> set[str]:
    parser = build_parser()
    for word in parser_words:
        parser = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices[word]
    return {flag for a in parser._actions for flag in a.option_strings}


def _workflow() -> dict:
    text = (REPO / "docs" / "ci.md").read_text()
    return yaml.safe_load(re.search(r"## GitHub Actions\n\n```yaml\n(.*?)```", text, re.S).group(1))


def test_the_documented_workflow_runs_monsuite_commands_with_their_own_flags():
    runs = [step["run"].split("#")[0] for step in _workflow()["jobs"]["monitoring"]["steps"] if "monsuite " in step.get("run", "")
            and "pip install" not in step["run"]]
    assert len(runs) == 5
    for run in runs:
        words = shlex.split(run)[1:]
        command = [w for w in words[:2] if not w.startswith("-")]
        _parses(command)
        assert {w for w in words if w.startswith("--")} <= _flags(command), run


@pytest.mark.parametrize("hook", yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()), ids=lambda h: h["id"])
def test_each_pre_commit_hook_names_a_command(hook):
    words = shlex.split(hook["entry"])
    assert words[0] == "monsuite"
    command = [w for w in words[1:] if not w.startswith("-")]
    _parses(command)
    assert {w for w in words if w.startswith("--")} <= _flags(command)
    if "files" in hook:
        assert re.search(hook["files"], "manifests/api-prometheusRule.yaml") and not re.search(hook["files"], "deployment.yaml")
