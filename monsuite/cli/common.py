"""Helpers shared by the command modules."""

from __future__ import annotations

from pathlib import Path

from monsuite.errors import UserError


def existing_files(files: list[str]) -> list[Path]:
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
    return paths
