"""Where a benchmark writes its JSON: benchmarks/results/<name>.json unless --out says otherwise."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def add_out_option(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--out", default=str(RESULTS / f"{name}.json"), help="where the JSON goes")


def write_result(result: dict, out: str) -> int:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    print(f"written {path}")
    return 0
