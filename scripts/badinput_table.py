"""The README's troubleshooting table, from tests/badinput/cases.py.

    .venv/bin/python scripts/badinput_table.py          # print it
    .venv/bin/python scripts/badinput_table.py --write  # replace it in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.badinput.cases import CASES  # noqa: E402

BEGIN, END = "<!-- troubleshooting table: scripts/badinput_table.py -->", "<!-- end of troubleshooting table -->"


def _words(parts) -> str:
    return " ".join(p.replace("{tmp}/", "").replace("{stack}/", "").replace("{stack}", "DIR").replace("{tmp}", "DIR")
                    for p in parts)


def table() -> str:
    rows = ["| Mistake | Example | Exit | The message names |", "|---|---|---|---|"]
    for case in CASES:
        command = "monsuite " + _words(case.argv)
        named = ", ".join(f"`{_words([s])}`" for s in case.says)
        rows.append(f"| {case.mistake} | `{command}` | {case.exit} | {named} |".replace("||", "\\|\\|"))
    return "\n".join(rows)


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
