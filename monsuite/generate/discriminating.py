"""Inputs that tell a rule from its likely breakages.

The candidate inputs the generator evaluates anyway are also evaluated for every mutant of the rule's
expression (a threshold moved, a matcher dropped or changed, a window shortened, an aggregation that
keeps fewer labels: `mutants.py`). An input tells a mutant apart where the two return different series:
the alert fires with other labels, or fires where the rule does not, or the other way round. The chosen
firing and quiet inputs tell many apart already; inputs that tell apart those left over are added as
further tests, the most telling first, so that a part of the expression the chosen pair never reaches
(the right side of an `or` or an `unless`, a second threshold, a matcher with no decoy) is tested too.
"""

from __future__ import annotations

from dataclasses import dataclass

from monsuite.generate.mutants import Mutant, mutants
from monsuite.rules.model import Rule

EXPRESSION_KINDS = ("threshold", "comparison", "window", "matcher", "aggregation")
MAX_TELLING = 6  # tests added per rule


def expression_mutants(rule: Rule) -> list[Mutant]:
    """The mutants whose expression differs from the rule's (a `for` or a label is judged by timing and by
    the expected labels, which every test checks)."""
    return [m for m in mutants(rule) if m.kind in EXPRESSION_KINDS and m.expr != rule.expr]


@dataclass
class Candidate:
    assignment: dict
    fires: bool  # the rule's expression returns series on it
    told: frozenset  # the indices of the mutants whose series differ from the rule's on it
    rank: tuple  # plausibility: fewer negative values, fewer absent series


def told_apart(rule_sets: frozenset | None, mutant_sets: list[frozenset | None]) -> frozenset:
    """The mutants (by index) that return other series than the rule on one input; one that failed to
    evaluate there (an aggregation mutant that yields duplicate series) tells nothing."""
    if rule_sets is None:
        return frozenset()
    return frozenset(i for i, sets in enumerate(mutant_sets) if sets is not None and sets != rule_sets)


def choose(candidates: list[Candidate], already: set, limit: int = MAX_TELLING) -> list[Candidate]:
    """Greedily, the candidates that tell apart the most mutants ``already`` told apart leave over."""
    told = set(already)
    picked: list[Candidate] = []
    while len(picked) < limit:
        best = min((c for c in candidates if c.told - told), key=lambda c: (-len(c.told - told), c.rank), default=None)
        if best is None:
            break
        picked.append(best)
        told |= best.told
    return picked


def describe(found: list[Mutant], told: frozenset, already: set) -> str:
    new = [found[i].description for i in sorted(told - already)]
    return f"telling it from {new[0]}" + (f" and {len(new) - 1} more" if len(new) > 1 else "")
