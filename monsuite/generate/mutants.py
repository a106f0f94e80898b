"""Mutants of an alert rule: the ways a rule gets broken in practice, each one change on its PromQL AST
(or on its `for` and labels). The mutated expression is the original's printed text with one node's text
replaced, so everything else stays exactly as written; every mutant is parsed again before use.

Left out as equivalent, where the AST shows it: a change whose printed expression equals the original,
dropping a matcher that accepts every value, doubling a `for` of zero, and dropping a matcher (or changing
the value of a negative one) where the series it lets in can find no partner (see _matched_away).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import promql_parser as pp

from monsuite.generate.inputs import COMPARISONS, children
from monsuite.generate.matchers import accepts, op_text
from monsuite.generate.series_notation import number
from monsuite.rules.model import Rule
from monsuite.rules.references import groups_by, keeps_label, matches_on
from monsuite.timescale import format_ms

FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "!=", "!=": "=="}
WINDOW_FACTORS = (0.2, 5)
THRESHOLD_FACTORS = (10, 0.1)


@dataclass(frozen=True)
class Mutant:
    rule: Rule
    kind: str  # threshold | comparison | for | window | matcher | aggregation | label
    description: str
    expr: str
    for_ms: int
    labels: dict = field(default_factory=dict)


def mutants(rule: Rule) -> list[Mutant]:
    tree = pp.parse(rule.expr)
    original = str(tree)
    found: list[Mutant] = []
    seen = {original}

    def add(kind: str, description: str, path: tuple, text: str) -> None:
        try:
            expr = _spliced(tree, path, text)
            normalised = str(pp.parse(expr))
        except ValueError:  # a node the printer does not show verbatim: that mutant is not made
            return
        if normalised not in seen:
            seen.add(normalised)
            found.append(Mutant(rule, kind, description, expr, rule.for_ms, rule.labels))

    for path, node in _nodes(tree):
        for kind, description, replacement in _node_mutations(node):
            if kind == "matcher" and _matched_away(tree, path, description):
                continue
            add(kind, description, path, replacement)
    if rule.for_ms:
        found.append(Mutant(rule, "for", f"for {format_ms(rule.for_ms)} -> 0s", rule.expr, 0, rule.labels))
        found.append(Mutant(rule, "for", f"for {format_ms(rule.for_ms)} -> {format_ms(2 * rule.for_ms)}",
                            rule.expr, 2 * rule.for_ms, rule.labels))
    for name, value in rule.labels.items():
        if "{{" not in str(value):
            changed = {**rule.labels, name: f"{value}-changed"}
            found.append(Mutant(rule, "label", f"label {name}={value} -> {value}-changed", rule.expr, rule.for_ms, changed))
    return found


def _node_mutations(node):
    if isinstance(node, pp.BinaryExpr) and str(node.op) in COMPARISONS:
        yield from _comparison_mutations(node)
    if isinstance(node, pp.MatrixSelector):
        text = str(node)
        bracket = text.find("[", text.rfind("}") + 1)
        close = text.find("]", bracket)
        for factor in WINDOW_FACTORS:
            ms = max(1000, round(node.range.total_seconds() * 1000 * factor / 1000) * 1000)
            yield ("window", f"range [{format_ms(int(node.range.total_seconds() * 1000))}] -> [{format_ms(ms)}]"
                             f" in {text[:bracket]}", text[:bracket + 1] + format_ms(ms) + text[close:])
        yield from _matcher_mutations(node.vector_selector, text, text[bracket:])
    if isinstance(node, pp.VectorSelector):
        text = str(node)
        yield from _matcher_mutations(node, text, text[text.rfind("}") + 1:] if "{" in text else text[len(node.name):])
    if isinstance(node, pp.AggregateExpr) and node.modifier is not None and node.param is None:
        labels = list(node.modifier.labels)
        keyword = "by" if groups_by(node) else "without"
        for label in labels:
            kept = [x for x in labels if x != label]
            yield ("aggregation", f"{node.op} {keyword} ({', '.join(labels)}) -> {keyword} ({', '.join(kept)})",
                   f"{node.op} {keyword} ({', '.join(kept)}) ({node.expr})")


def _comparison_mutations(node):
    op = str(node.op)
    middle = _middle(node)
    yield ("comparison", f"comparison {op} -> {FLIP[op]}", str(node.lhs) + middle.replace(op, FLIP[op], 1) + str(node.rhs))
    for side in ("lhs", "rhs"):
        literal = getattr(node, side)
        if not isinstance(literal, pp.NumberLiteral):
            continue
        value = float(literal.val)
        for new in ([float(f"{value * f:.12g}") for f in THRESHOLD_FACTORS] if value else [1.0, -1.0]):
            text = number(new)
            replaced = (text + middle + str(node.rhs)) if side == "lhs" else (str(node.lhs) + middle + text)
            yield ("threshold", f"threshold {number(value)} -> {text}", replaced)


def _middle(node) -> str:
    text, left, right = str(node), str(node.lhs), str(node.rhs)
    return text[len(left):len(text) - len(right)]


def _matcher_mutations(selector, text: str, tail: str):
    matchers = [m for m in selector.matchers.matchers if m.name != "__name__"]
    for index, matcher in enumerate(matchers):
        shown = f'{matcher.name}{op_text(matcher)}"{matcher.value}"'
        if not (matcher.op == pp.MatchOp.Re and accepts(matcher, "") and accepts(matcher, "any-value")):
            kept = matchers[:index] + matchers[index + 1:]
            yield ("matcher", f"matcher {shown} dropped in {_selector(selector.name, matchers)}",
                   _selector(selector.name, kept) + tail)
        changed = f"{matcher.value}-changed" if matcher.value else "changed"
        yield ("matcher", f'matcher {shown} -> "{changed}" in {_selector(selector.name, matchers)}',
               _selector(selector.name, matchers, index, changed) + tail)


def _selector(name: str, matchers: list, changed_index: int | None = None, changed_value: str = "") -> str:
    parts = [f"{m.name}{op_text(m)}{json.dumps(changed_value if i == changed_index else m.value)}"
             for i, m in enumerate(matchers)]
    return f"{name}{{{', '.join(parts)}}}" if parts else name


def _matched_away(tree, path: tuple, description: str) -> bool:
    """Dropping a matcher (label=value, !=, =~, !~) on one operand of a one-to-one match changes nothing when
    the other operand still demands the same matcher and both keep the label: the series it let in carry
    values the other side refuses, so they find no partner. So does changing a negative matcher's value
    (`fstype!=""` -> `fstype!="changed"`): it lets in what dropping it would, and refuses only series
    holding the value the mutation made up."""
    node = next(n for p, n in _nodes(tree) if p == path)
    selector = node.vector_selector if isinstance(node, pp.MatrixSelector) else node
    dropped = next((m for m in selector.matchers.matchers if _relaxes(m, description)), None)
    if dropped is None:
        return False
    for depth in range(len(path) - 1, -1, -1):
        ancestor = next(n for p, n in _nodes(tree) if p == path[:depth])
        if not isinstance(ancestor, pp.BinaryExpr):
            continue
        own, other = (ancestor.lhs, ancestor.rhs) if path[depth] == 0 else (ancestor.rhs, ancestor.lhs)
        selectors = [s for _, s in _nodes(other) if isinstance(s, (pp.VectorSelector, pp.MatrixSelector))]
        if not selectors:
            continue  # an operation with a number passes the vector through
        if _passes_through(ancestor, own_is_right=path[depth] == 1):
            continue
        if not _matches_on(ancestor, dropped.name, own_is_right=path[depth] == 1):
            return False
        demanded = bool(selectors) and all(
            any(m.name == dropped.name and m.op == dropped.op and m.value == dropped.value
                for m in (s.vector_selector if isinstance(s, pp.MatrixSelector) else s).matchers.matchers)
            for s in selectors)
        return demanded and keeps_label(own, dropped.name) and keeps_label(other, dropped.name)
    return False


def _relaxes(matcher, description: str) -> bool:
    """Whether the mutant described drops ``matcher`` or changes the value of it, a negative one."""
    shown = f'matcher {matcher.name}{op_text(matcher)}"{matcher.value}"'
    negative = matcher.op in (pp.MatchOp.NotEqual, pp.MatchOp.NotRe)
    return description.startswith(f"{shown} dropped") or (negative and description.startswith(f"{shown} -> "))


def _passes_through(binary, own_is_right: bool) -> bool:
    """Whether every series of the mutated side reaches the result unpaired: either side of `or` (one the
    left side also has is the left side's), the left side of `unless` (unless the right side has it)."""
    op = str(binary.op)
    return op == "or" or (op == "unless" and not own_is_right)


def _matches_on(binary, label: str, own_is_right: bool) -> bool:
    """Whether the binary expression keeps only series paired by ``label`` from the mutated side: a match
    (one-to-one, or either side of group_left / group_right: a series finds its partners by the matching
    labels all the same), `and`, or the right side of `unless`."""
    if _passes_through(binary, own_is_right):
        return False
    modifier = binary.modifier
    if modifier is None:
        return True
    if modifier.matching is None:
        return True
    listed = label in list(modifier.matching.labels)
    return listed if matches_on(binary) else not listed


def _nodes(tree, path: tuple = ()):
    yield path, tree
    for index, child in enumerate(children(tree)):
        yield from _nodes(child, path + (index,))


def _spliced(node, path: tuple, replacement: str) -> str:
    """The node's text with the descendant at ``path`` replaced (children are located in order)."""
    if not path:
        return replacement
    text = str(node)
    kids = children(node)
    position, spans = 0, []
    for index, kid in enumerate(kids):
        kid_text = str(kid)
        if index == len(kids) - 1 and isinstance(node, pp.BinaryExpr) and text.endswith(kid_text):
            start = len(text) - len(kid_text)
        else:
            start = text.find(kid_text, position)
        if start < 0:
            raise ValueError(f"cannot locate {kid_text!r} in {text!r}")
        spans.append((start, start + len(kid_text)))
        position = start + len(kid_text)
    start, end = spans[path[0]]
    return text[:start] + _spliced(kids[path[0]], path[1:], replacement) + text[end:]
