"""Numbers a live test measured, kept in reports/<name>.json and printed with the test output."""

from __future__ import annotations

import json
from pathlib import Path

REPORTS = Path(__file__).resolve().parent.parent / "reports"


def keep(name: str, measured: dict) -> None:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(measured, indent=2) + "\n")
    print(f"\n{name}:", json.dumps(measured))
