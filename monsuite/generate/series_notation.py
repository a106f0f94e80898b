"""promtool's input series notation for generated series: a quiet phase, then a firing phase.

`a+bxn` is n+1 samples from a growing by b; `_xn` n missing samples; `stale` ends a series at once. A clock
series holds its sample's time plus its offset (a timestamp some seconds old, or in the future).
"""

from __future__ import annotations

from monsuite.generate.inputs import InputSeries, bucket_rate


def number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


RATE_SCALE = "rate_scale"  # an assignment's optional multiplier of every counter's (and histogram's) rate


def phases(series: InputSeries, assignments: list[dict], steps: list[int], interval_s: float, recent: int = 0) -> str:
    """The series' samples over consecutive phases: ``steps[i]`` samples under ``assignments[i]``; a series
    read at an offset too holds its past value in each phase but its last ``recent`` samples."""
    if series.past_var is not None and recent:
        split_assignments, split_steps = [], []
        for assignment, count in zip(assignments, steps):
            older = max(0, count - recent)
            if older:
                split_assignments.append({**assignment, series.var: assignment[series.past_var]})
                split_steps.append(older)
            split_assignments.append(assignment)
            split_steps.append(count - older)
        assignments, steps = split_assignments, split_steps
    parts: list[str] = []
    last = 0.0
    present_before = False
    at = 0  # samples so far: a clock's value is its sample's time (promtool's series begin at 0 s)
    for assignment, count in zip(assignments, steps):
        at, begun = at + count, at
        level = assignment[series.var]
        if level is None:
            parts.append("stale" if present_before else "")
            if count > 1 or not present_before:
                parts.append(f"_x{count - 1 if present_before else count}")
            present_before = False
            continue
        if series.kind == "resetting":
            text, last = _sawtooth(level, count, interval_s, last if present_before else -1.0)
            parts.append(text)
            present_before = True
            continue
        if series.kind == "gauge":
            start, step = level, 0.0
        elif series.kind == "clock":
            start, step = begun * interval_s + level, interval_s
        elif series.kind == "slope":
            start, step = level, assignment[series.slope_var] * interval_s
        else:
            rate = bucket_rate(series, level) if series.kind == "bucket" else level
            step = rate * assignment.get(RATE_SCALE, 1.0) * interval_s
            start = last + step if present_before else 0.0
        parts.append(_run(start, step, count - 1))
        last = start + step * (count - 1)
        present_before = True
    return " ".join(p for p in parts if p)


def _sawtooth(resets_per_second: float, count: int, interval_s: float, last: float) -> tuple[str, float]:
    """``count`` samples of a counter growing by 1 a sample that drops back to 0 every so many samples (at
    least two: a reset is a drop between two samples), and its last value; without resets it carries on
    from ``last``."""
    if resets_per_second <= 0:
        return _run(last + 1, 1.0, count - 1), last + count
    period = max(2, round(1 / (resets_per_second * interval_s)))
    runs, rest = divmod(count, period)
    parts = [_run(0, 1.0, period - 1)] * runs + ([_run(0, 1.0, rest - 1)] if rest else [])
    return " ".join(parts), float((rest or period) - 1)


def _run(start: float, step: float, repeats: int) -> str:
    sign = "+" if step >= 0 else "-"
    return f"{number(start)}{sign}{number(abs(step))}x{repeats}"
