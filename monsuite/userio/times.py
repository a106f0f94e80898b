"""Times and time ranges as the user writes them: ISO 8601 (UTC unless it says otherwise) or unix seconds."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from monsuite.errors import UserError


def parse_time_range(text: str, flag: str) -> tuple[float, float]:
    """`FROM..TO` as (start, end) unix seconds."""
    parts = text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise UserError(f"{flag} {text!r}: give FROM..TO, e.g. 2026-12-01T02:00..2026-12-01T03:30 or 1796500000..1796505400")
    start, end = (_instant(part.strip(), flag, text) for part in parts)
    if end <= start:
        raise UserError(f"{flag} {text!r}: the end must come after the start")
    return start, end


def _instant(part: str, flag: str, text: str) -> float:
    try:
        value = float(part)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(part)
        except ValueError:
            raise UserError(f"{flag} {text!r}: {part!r} is neither an ISO 8601 time nor a unix time") from None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()
    if not math.isfinite(value) or not 0 <= value < 1e11:
        raise UserError(f"{flag} {text!r}: {part!r} is not a plausible unix time in seconds")
    return value
