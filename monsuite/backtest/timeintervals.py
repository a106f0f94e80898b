"""Alertmanager's named time intervals (`time_intervals`, and the older top-level `mute_time_intervals`), asked
whether a moment falls in them: times of day (start inclusive, end exclusive, `24:00` allowed), weekdays,
days of the month (negative ones counted from the month's end), months and years, each a value or an
inclusive `a:b` range, in the interval's `location` (UTC by default). An interval holds when every field it
gives holds; a name holds when any of its intervals does."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monsuite.errors import ManifestError

WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]


@dataclass(frozen=True)
class TimeInterval:
    minutes: tuple[tuple[int, int], ...] = ()  # [start, end) minutes of the day
    weekdays: tuple[tuple[int, int], ...] = ()  # 0 = Sunday
    days_of_month: tuple[tuple[int, int], ...] = ()
    months: tuple[tuple[int, int], ...] = ()
    years: tuple[tuple[int, int], ...] = ()
    location: str = "UTC"

    def holds(self, t: float) -> bool:
        when = datetime.fromtimestamp(t, None if self.location == "Local" else ZoneInfo(self.location))  # Go's Local
        minute = when.hour * 60 + when.minute
        weekday = (when.weekday() + 1) % 7
        days = calendar.monthrange(when.year, when.month)[1]
        return (_within(self.minutes, minute, end_exclusive=True) and _within(self.weekdays, weekday)
                and _within(tuple((_day(a, days), _day(b, days)) for a, b in self.days_of_month), when.day)
                and _within(self.months, when.month) and _within(self.years, when.year))


def _within(ranges: tuple, value: int, end_exclusive: bool = False) -> bool:
    if not ranges:
        return True
    return any(start <= value < end if end_exclusive else start <= value <= end for start, end in ranges)


def _day(day: int, days_in_month: int) -> int:
    return days_in_month + day + 1 if day < 0 else day


def _ranges(values, named: list[str] | None = None, offset: int = 0) -> tuple[tuple[int, int], ...]:
    """`monday:friday`, `-3:-1`, `5`, `may` -> inclusive (first, last) pairs."""
    made = []
    for value in values or []:
        ends = [named.index(end) + offset if named and end in named else int(end)
                for end in str(value).strip().lower().split(":")]
        made.append((ends[0], ends[-1]))
    return tuple(made)


def _minutes(text: str) -> int:
    hours, minutes = str(text).split(":")
    return int(hours) * 60 + int(minutes)


def interval_of(entry: dict) -> TimeInterval:
    location = entry.get("location") or "UTC"
    if location != "Local":
        ZoneInfo(location)  # an unknown zone is refused here, not when a moment is first asked of it
    return TimeInterval(
        minutes=tuple((_minutes(t["start_time"]), _minutes(t["end_time"])) for t in entry.get("times") or []),
        weekdays=_ranges(entry.get("weekdays"), WEEKDAYS),
        days_of_month=_ranges(entry.get("days_of_month")),
        months=_ranges(entry.get("months"), MONTHS, offset=1),
        years=_ranges(entry.get("years")),
        location=location)


@dataclass
class NamedIntervals:
    by_name: dict[str, tuple[TimeInterval, ...]]

    @classmethod
    def of(cls, config: dict, source: Path | str = "alertmanager config") -> "NamedIntervals":
        named = {}
        for section in ("time_intervals", "mute_time_intervals"):
            for index, entry in enumerate(config.get(section) or []):
                made = []
                for inner, interval in enumerate(entry.get("time_intervals") or []):
                    try:
                        made.append(interval_of(interval))
                    except (ValueError, KeyError, TypeError, ZoneInfoNotFoundError) as exc:
                        raise ManifestError(source, f"{section}[{index}].time_intervals[{inner}]",
                                            f"not a time interval Alertmanager reads: {exc} (see its "
                                            "time_interval documentation)") from None
                named[entry.get("name")] = tuple(made)
        return cls(named)

    def holds(self, name: str, t: float) -> bool:
        return any(interval.holds(t) for interval in self.by_name.get(name, ()))
