"""Every mistake in cases.py: exit status 2 and exactly one line on stderr naming the file or field and the
problem (or, where the mistake is in a file the command exists to check, exit status 1 and one FAILED or
ERROR verdict for that file); no traceback; nothing left running or on disk (no process, run directory
or state file)."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from monsuite import paths
from monsuite.cli import main
from tests.badinput.cases import CASES, Case


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{stack}", str(tmp / "stack")).replace("{tmp}", str(tmp))


def prepare(case: Case, tmp: Path) -> list[str]:
    stack = tmp / "stack"
    shutil.copytree(paths.shipped_stack("minimal"), stack)
    for name, old, new in case.edits:
        path = stack / name
        text = path.read_text()
        assert old in text, f"{case.id}: {old!r} is not in the minimal stack's {name}; update the case"
        path.write_text(text.replace(old, new, 1))
    for name, text in case.files:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text)
    return [_fill(arg, tmp) for arg in case.argv]


def _children() -> set[int]:
    mine = str(os.getpid())
    found = set()
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == mine and fields[0] != "Z":
            found.add(int(stat.split("/")[2]))
    return found


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch) -> Path:
    """The case's temporary directory: run directories it leaves are its own, whatever else runs here."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_mistake_gets_one_clear_line(case, tmp_path, capsys, own_tempdir):
    argv = prepare(case, tmp_path)
    pre_existing = {p for p in tmp_path.rglob("state.json")}
    children = _children()
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == case.exit, f"exit {status}\nstdout: {out[-1500:]}\nstderr: {err[-1500:]}"
    if case.exit == 2:  # bad input: one line on stderr says it all
        lines = [line for line in err.splitlines() if line.strip()]
        said = lines[0] if lines else ""
    else:  # a file the command checks is broken: one verdict line on stdout, its explanation below it
        lines = [line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))]
        said = out
    assert len(lines) == 1, f"{len(lines)} lines:\n{err[-3000:]}{out[-3000:]}"
    assert "Traceback" not in err + out
    for expected in case.says:
        assert _fill(expected, tmp_path) in said, f"{expected!r} not named in: {said}"
    assert _children() - children == set(), "processes left running"
    assert list(own_tempdir.glob("monsuite-*")) == [], "run directories left"
    assert {p for p in tmp_path.rglob("state.json")} == pre_existing, "a state file left"


def test_the_readme_table_lists_every_case():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    table = subprocess.run([sys.executable, str(root / "scripts" / "badinput_table.py")], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert table in (root / "README.md").read_text(), "README's troubleshooting table is stale: scripts/badinput_table.py --write"
