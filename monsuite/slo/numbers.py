"""Numbers as people write them in a report: 14.4, 6, 0.3 min, 99.96 %; never 0.30000000000000027."""

from __future__ import annotations


def number(value: float | None, digits: int = 3) -> str:
    """Three significant digits, no trailing zeros, no exponent below a billion: 27.9, 0.039, 6, 1234."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 10 ** digits:
        return f"{value:.0f}"
    text = f"{value:.{digits}g}"
    if "e" in text:  # a tiny value: its significant digits in plain decimals
        text = f"{value:.{digits - 1 - int(f'{value:e}'.split('e')[1])}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(ratio: float | None) -> str:
    """A ratio as a percentage to at most four decimals: 99.96%, 100%, 0.0417%."""
    if ratio is None:
        return "-"
    text = f"{ratio * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def minutes(value: float | None) -> str:
    return "-" if value is None else f"{number(value)} min"
