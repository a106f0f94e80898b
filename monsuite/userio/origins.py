"""Files monsuite wrote for the tools from what the user gave (a PrometheusRule's rules as a plain rule
file, ...): what is printed names where their content came from, never the written copy."""

from __future__ import annotations

from pathlib import Path

_origins: dict[str, str] = {}


def remember(path: Path | str, origin: str) -> None:
    _origins[str(path)] = origin


def origin_of(path: Path | str) -> str | None:
    return _origins.get(str(path))


def name_origins(text: str) -> str:
    """`text` with every written copy's path replaced by where its content came from."""
    if not _origins:
        return text
    for path in sorted(_origins, key=len, reverse=True):
        if path in text:
            text = text.replace(path, _origins[path])
    return text
