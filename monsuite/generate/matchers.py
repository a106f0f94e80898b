"""Label values that a PromQL label matcher accepts, and values it refuses.

Regex matchers are tried against a short list of candidate values built from the regex's own literal
alternatives and from values common in monitoring (status codes, modes); every candidate is checked with
a full match, as Prometheus anchors label regexes.
"""

from __future__ import annotations

import re

import promql_parser as pp

COMMON_VALUES = ("500", "503", "200", "404", "0", "1", "idle", "user", "x", "default", "other", "a", "/")


class NoValue(ValueError):
    pass


def accepts(matcher, value: str) -> bool:
    op, wanted = matcher.op, matcher.value
    if op == pp.MatchOp.Equal:
        return value == wanted
    if op == pp.MatchOp.NotEqual:
        return value != wanted
    matched = _full_match(wanted, value)
    return matched if op == pp.MatchOp.Re else not matched


def accepted_value(matcher) -> str | None:
    """A value the matcher accepts; None where leaving the label out (the empty value) is accepted."""
    if accepts(matcher, ""):
        return None
    for value in _candidates(matcher.value):
        if value and accepts(matcher, value):
            return value
    raise NoValue(f"no label value found that the matcher {matcher.name}{op_text(matcher)}\"{matcher.value}\" accepts")


def refused_value(matcher) -> str | None:
    """A non-empty value the matcher refuses, or None when it accepts every value tried."""
    plain = [f"{matcher.value}-other"] if matcher.op in (pp.MatchOp.Equal, pp.MatchOp.NotEqual) else []
    for value in plain + _candidates(matcher.value):
        if value and not accepts(matcher, value):
            return value
    return None


def _candidates(wanted: str) -> list[str]:
    """The regex's own alternatives come first, the last first: a value taken from it also tells the matcher
    from one whose last alternative was edited (`a|b` against `a|b2`)."""
    found = []
    for alternative in reversed(wanted.split("|")):
        literal = alternative.strip("^$()")
        found += [literal.replace(".*", "").replace(".+", "x").replace(".", "0"), literal]
    found += [wanted, *COMMON_VALUES, f"{wanted}-other", "other-value"]
    return list(dict.fromkeys(found))


def _full_match(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error as exc:
        raise NoValue(f"the label regex {pattern!r} is not understood here: {exc}") from None


def op_text(matcher) -> str:
    for op, text in ((pp.MatchOp.Equal, "="), (pp.MatchOp.NotEqual, "!="), (pp.MatchOp.Re, "=~"), (pp.MatchOp.NotRe, "!~")):
        if matcher.op == op:
            return text
    raise ValueError(f"unknown matcher operator {matcher.op}")
