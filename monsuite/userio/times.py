"""Times and time ranges as the user writes them: ISO 8601 (UTC unless it says otherwise), unix seconds,
or (for one instant) `now` and `now-30d`."""

from __future__ import annotations

import math
import time
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


def parse_instant(text: str, flag: str) -> float:
    """One instant: ISO 8601, unix seconds, `now`, or `now-<duration>` (now-30d)."""
    from monsuite.timescale import TimeScaleError, parse_ms

    part = text.strip()
    if part == "now" or part.startswith("now-"):
        try:
            back = parse_ms(part[4:]) / 1000 if part != "now" else 0.0
        except (TimeScaleError, OverflowError, ValueError):
            raise UserError(f"{flag} {text!r}: after now- give a duration, e.g. now-30d") from None
        value = time.time() - back
    else:
        value = _instant(part, flag, text)
    if not 946684800.0 <= value < 4102444800.0:
        raise UserError(f"{flag} {text!r}: not a time between 2000 and 2100")
    return value
