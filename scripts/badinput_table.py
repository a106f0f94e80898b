"""The README's troubleshooting tables: the bad-input matrix generated from the commands' parsers
(tests/badinput/matrix.py), then the hand-written cases (tests/badinput/cases.py).

    .venv/bin/python scripts/badinput_table.py          # print them
    .venv/bin/python scripts/badinput_table.py --write  # replace them in README.md
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.badinput.cases import CASES  # noqa: E402
from tests.badinput.matrix import command_cases, pytest_cases  # noqa: E402

BEGIN, END = "<!-- troubleshooting table: scripts/badinput_table.py -->", "<!-- end of troubleshooting table -->"
SHOWN = {"{tmp}/adir": "a directory", "{tmp}/afile": "a file", "{tmp}/missing.yml": "a missing file",
         "{tmp}/empty.yml": "an empty file", "{tmp}/binary.yml": "a binary file", "{tmp}/list.yml": "a YAML list",
         "{tmp}/scalar.yml": "a number", "{tmp}/nostack": "a missing folder", "{tmp}/binstack": "a binary stack.yaml",
         "{tmp}/afile/out.json": "a path under a file", "{tmp}/afile/sub": "a path under a file",
         "{tmp}/full": "a folder with files", "{tmp}/handwritten.yml": "a hand-written file"}


def _words(parts) -> str:
    return " ".join(p.replace("{tmp}/", "").replace("{stack}/", "").replace("{stack}", "DIR").replace("{tmp}", "DIR")
                    for p in parts)


def _value(case) -> str:
    if case.value in SHOWN:
        return SHOWN[case.value]
    if case.value.startswith("{tmp}/unknown-key/"):
        return "a misspelt key"
    return f"`{case.value}`"


def matrix_table() -> str:
    cases = [c for c, _ in command_cases()] + pytest_cases()
    groups = defaultdict(list)
    for case in cases:
        groups[(case.kind, case.mistake, _value(case), case.exits)].append(case)
    rows = [f"The matrix: {len(cases)} cases ({len(command_cases())} over "
            f"{len({c.command for c, _ in command_cases()})} commands, {len(pytest_cases())} over the pytest options).", "",
            "| Argument kind | Mistake | Value | Exit | Tried on |", "|---|---|---|---|---|"]
    for (kind, mistake, value, exits), found in sorted(groups.items()):
        where = sorted({f"{' '.join(c.command) or 'pytest'} {c.argument}" for c in found})
        shown = ", ".join(f"`{w}`" for w in where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
        exit_text = "2 (pytest: 4)" if exits == (2,) else "1 or 2"
        rows.append(f"| {kind} | {mistake} | {value} | {exit_text} | {shown} |")
    return "\n".join(rows)


def cases_table() -> str:
    rows = ["| Mistake | Example | Exit | The message names |", "|---|---|---|---|"]
    for case in CASES:
        command = "monsuite " + _words(case.argv)
        named = ", ".join(f"`{_words([s])}`" for s in case.says)
        rows.append(f"| {case.mistake} | `{command}` | {case.exit} | {named} |".replace("||", "\\|\\|"))
    return "\n".join(rows)


def table() -> str:
    return f"{matrix_table()}\n\nThe hand-written cases ({len(CASES)}), for the subtler mistakes:\n\n{cases_table()}"


def main() -> int:
    block = f"{BEGIN}\n{table()}\n{END}"
    if "--write" not in sys.argv:
        print(block)
        return 0
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text += f"\n{block}\n"
    readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
