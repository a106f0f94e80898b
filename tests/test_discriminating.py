"""Choosing inputs that tell a rule from its mutants: which mutants an input tells apart, and the greedy
choice of the inputs that tell apart those the chosen ones leave over."""

from __future__ import annotations

from monsuite.generate.discriminating import Candidate, choose, expression_mutants, told_apart
from monsuite.rules.model import Rule

FIRING = frozenset({frozenset({("pod", "a")})})
QUIET = frozenset()


def test_a_mutant_is_told_apart_where_its_series_differ_and_not_where_it_failed_to_evaluate():
    assert told_apart(FIRING, [FIRING, QUIET, None, frozenset({frozenset({("pod", "b")})})]) == {1, 3}
    assert told_apart(None, [QUIET]) == frozenset()  # the rule itself failed: nothing is known


def test_the_most_telling_input_comes_first_and_ties_go_to_the_more_plausible():
    inputs = [Candidate({0: 1.0}, True, frozenset({0}), (0, 0)),
              Candidate({0: 2.0}, True, frozenset({1, 2, 3}), (0, 1)),
              Candidate({0: -1.0}, False, frozenset({4}), (1, 0)),
              Candidate({0: 3.0}, False, frozenset({4}), (0, 0))]
    picked = choose(inputs, already={0})
    assert [c.assignment for c in picked] == [{0: 2.0}, {0: 3.0}]
    assert choose(inputs, already={0, 1, 2, 3, 4}) == []
    assert len(choose(inputs, already=set(), limit=1)) == 1


def test_only_mutants_of_the_expression_are_evaluated():
    rule = Rule("rules.yml", "g", None, alert="X", expr='rate(x_total{job="a"}[5m]) > 1', for_ms=300_000, labels={"severity": "page"})
    kinds = {m.kind for m in expression_mutants(rule)}
    assert kinds == {"threshold", "comparison", "window", "matcher"}
