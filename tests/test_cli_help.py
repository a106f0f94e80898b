"""The command line teaches: --version, a group alone shows its help, every help ends with examples
and what the exit status means."""

from __future__ import annotations

import pytest

from monsuite import __version__
from monsuite.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"monsuite {__version__}"


@pytest.mark.parametrize("group, action", [("stack", "down"), ("rules", "check"), ("routes", "test")])
def test_a_group_alone_shows_its_actions_and_exits_2(capsys, group, action):
    assert main([group]) == 2
    assert action in capsys.readouterr().out


@pytest.mark.parametrize("command", [["stack", "up"], ["campaign"], ["routes", "test"], ["load", "run"]])
def test_every_help_has_an_example_and_the_exit_status(capsys, command):
    assert main([*command, "--help"]) == 0
    text = capsys.readouterr().out
    assert f"monsuite {' '.join(command)}" in text.split("example:")[1] and "exit status:" in text


def test_hints_repeat_the_state_file_the_user_gave(tmp_path, capsys):
    state = tmp_path / "elsewhere.json"
    assert main(["stack", "status", "--state-file", str(state)]) == 2
    assert f"`monsuite stack up --state-file {state}`" in capsys.readouterr().err


def test_a_state_file_of_another_shape_is_one_line_and_exit_2(tmp_path, capsys):
    state = tmp_path / "state.json"
    state.write_text("{}")
    for action in ("status", "down"):
        assert main(["stack", action, "--state-file", str(state)]) == 2
        assert "not a monsuite state file" in capsys.readouterr().err
