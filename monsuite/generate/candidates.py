"""The candidate inputs of a rule's design: its unknowns' values, every combination where they are few,
else a fixed sample, kept to what a scrape could give (no negative level; a falling series stays above
zero through its test), with the decoys that mirror them."""

from __future__ import annotations

import itertools
import math
import random

from promql_parser import ParenExpr, VectorSelector

from monsuite.generate.inputs import COMPARISONS, Design
from monsuite.rules.references import parse

MAX_CANDIDATES = 400  # assignments evaluated per rule
EXPLORE_SEED = 15


def candidate_inputs(d: Design) -> list[dict]:
    """The inputs a rule's test tries, each a value per unknown (decoys mirrored); ``d.phase_ms`` set."""
    searched = [i for i, v in enumerate(d.variables) if v.mirrors is None]
    levels, bare = level_variables(d), _compared_bare(d)
    spaces = [d.variables[i].candidates for i in searched]
    plausible = [[v for v in space if v is None or v >= 0] if i in levels else space
                 for i, space in zip(searched, spaces)]
    for k, i in enumerate(searched):  # `... and readonly == 0`: a sample mostly of 0 there finds the rest sooner
        if d.variables[i].metric in bare and i in levels:
            op, threshold = bare[d.variables[i].metric]
            plausible[k] = [v for v in plausible[k] if v is not None and COMPARISONS[op](v, threshold)] or plausible[k]
    made = {}
    for combo in _combinations(spaces, plausible):
        assignment = kept_above_zero(d, dict(zip(searched, combo)))
        made.setdefault(tuple(sorted(assignment.items())), assignment)
    return [with_mirrors(d, assignment) for assignment in made.values()]


def as_judged(d: Design, assignment: dict) -> dict:
    """The input with each moving series at the level it was judged at, the end of its slot (where that is
    not below zero), not at its start: a live push holds from there without waiting a test's phase out."""
    judged = dict(assignment)
    for s in d.series:
        start, slope = assignment.get(s.var), assignment.get(s.slope_var) if s.slope_var is not None else None
        if s.kind == "slope" and start is not None and slope is not None:
            level = start + slope * (steady_ms(d) - d.interval_ms) / 1000
            judged[s.var] = float(f"{level:.12g}") if level >= 0 else start
    return judged


def _compared_bare(d: Design) -> dict[str, tuple[str, float]]:
    """The metrics a comparison joined by `and` reads as they are (`... and readonly{...} == 0`), with it."""
    found = {}
    for expr, comparison in [*([d.focus] if d.focus else []), *d.guards]:
        node = parse(expr)
        while isinstance(node, ParenExpr):
            node = node.expr
        if isinstance(node, VectorSelector) and node.name:
            found[node.name] = comparison
    return found


def kept_above_zero(d: Design, assignment: dict, only: set | None = None) -> dict:
    """A falling series that would go below zero within a phase of the test starts that much higher instead:
    its drawn level is where it ends (free bytes running out end near zero, they do not go below it).
    ``only``: the variables it may change (else every one)."""
    if not d.phase_ms:
        return assignment
    span_s = (d.phase_ms + d.interval_ms) / 1000  # the last phase holds two samples more
    kept = dict(assignment)
    for s in d.series:
        if s.kind != "slope" or s.slope_var is None or s.var not in kept or (only is not None and s.var not in only):
            continue
        start, slope = kept[s.var], kept.get(s.slope_var)
        if start is not None and slope is not None and start >= 0 and start + slope * span_s < 0:
            kept[s.var] = float(f"{start - slope * span_s:.12g}")
    return kept


def with_mirrors(d: Design, assignment: dict, other_phase: dict | None = None) -> dict:
    """Decoys that no selector reads take the mirrored value, from the other phase where there is one
    (so a mutant that stops excluding them sees a different value). Where the mirrored series holds one
    value in both phases (the phases differ through another series of the metric, a second instance),
    the decoy takes the other phase's value of that series instead."""
    source = other_phase if other_phase is not None else assignment

    def mirrored(v) -> float | None:
        if source.get(v.mirrors) != assignment.get(v.mirrors):
            return source[v.mirrors]
        moving = [j for j, w in enumerate(d.variables)
                  if w.mirrors is None and w.metric == v.metric and j in source and source[j] != assignment.get(j)]
        return source[moving[0]] if moving else source[v.mirrors]

    decoys = {i: mirrored(v) for i, v in enumerate(d.variables) if v.mirrors is not None}
    return {**assignment, **kept_above_zero(d, {**assignment, **decoys}, only=set(decoys))}


def _combinations(spaces: list[list], plausible: list[list]) -> list[tuple]:
    """Every combination where they are few; else the diagonal (every unknown at its k-th candidate) and a
    fixed sample of the rest, half of it drawn from the ``plausible`` candidates (no negative level): with
    several levels, a sample of the whole space would hold few inputs a scrape could give."""
    total = math.prod(len(s) for s in spaces)
    if total <= MAX_CANDIDATES:
        return list(itertools.product(*spaces))
    longest = max(len(s) for s in spaces)
    combos = list(dict.fromkeys(tuple(s[min(k, len(s) - 1)] for s in spaces) for k in range(longest)))
    seen = set(combos)
    drawn_from = [spaces, [p or s for p, s in zip(plausible, spaces)]]
    chooser = random.Random(EXPLORE_SEED)
    for draw in range(20 * MAX_CANDIDATES):
        if len(combos) >= MAX_CANDIDATES:
            break
        combo = tuple(chooser.choice(s) for s in drawn_from[draw % 2])
        if combo not in seen:
            seen.add(combo)
            combos.append(combo)
    return combos


def steady_ms(d: Design) -> int:
    return d.window_ms + 4 * d.interval_ms


def negative(d: Design, assignment: dict) -> int:
    """Most metrics cannot go below zero: an input with fewer negative values reads more plausibly (a clock's
    offset is a moment before or after the evaluation: either is plausible)."""
    clocks = {s.var for s in d.series if s.kind == "clock"}
    return sum(v is not None and v < 0 for i, v in assignment.items() if i not in clocks)


def is_plausible(d: Design, assignment: dict) -> bool:
    """No series holds a negative level (a slope may fall, a clock's offset may be either way)."""
    levels = level_variables(d)
    return not any(v is not None and v < 0 for i, v in assignment.items() if i in levels)


def level_variables(d: Design) -> set[int]:
    return {s.var for s in d.series if s.kind != "clock"} | {s.past_var for s in d.series if s.past_var is not None}
