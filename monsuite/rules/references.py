"""What a PromQL expression refers to, read from its AST: metrics with their label matchers, and the
labels its `by` and `on` clauses group or match on."""

from __future__ import annotations

from dataclasses import dataclass

import promql_parser


@dataclass(frozen=True)
class Selector:
    metric: str | None
    matchers: tuple[tuple[str, str, str], ...]  # (label, operator, value), __name__ excluded


@dataclass(frozen=True)
class Grouping:
    labels: tuple[str, ...]
    metrics: tuple[str, ...]  # the metrics below the clause: a label must exist on one of them
    clause: str  # "by" or "on"


def parse(expr: str):
    return promql_parser.parse(expr)


def selectors(expr) -> list[Selector]:
    tree = parse(expr) if isinstance(expr, str) else expr
    found: list[Selector] = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            found.append(_selector(node))
        return True

    promql_parser.walk(tree, visit)
    return found


def matches_on(binary) -> bool:
    """Whether a binary expression pairs its sides `on (...)` the labels it lists (not `ignoring (...)`)."""
    matching = binary.modifier.matching if binary.modifier is not None else None
    return matching is not None and matching.type == promql_parser.LabelModifierType.Include


def groups_by(aggregate) -> bool:
    """Whether an aggregation keeps the labels it lists (`by`), not all but them (`without`)."""
    return aggregate.modifier is not None and aggregate.modifier.type == promql_parser.AggModifierType.By


def groupings(expr: str) -> list[Grouping]:
    found: list[Grouping] = []

    def visit(node):
        if isinstance(node, promql_parser.AggregateExpr) and groups_by(node) and node.modifier.labels:
            found.append(Grouping(tuple(node.modifier.labels), _metrics(node.expr), "by"))
        if isinstance(node, promql_parser.BinaryExpr) and matches_on(node) and node.modifier.matching.labels:
            found.append(Grouping(tuple(node.modifier.matching.labels), _metrics(node.lhs) + _metrics(node.rhs), "on"))
        return True

    promql_parser.walk(parse(expr), visit)
    return found


def _metrics(node) -> tuple[str, ...]:
    return tuple(s.metric for s in selectors(node) if s.metric)


def _selector(node) -> Selector:
    name = node.name
    matchers = []
    for matcher in node.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
            name = name or matcher.value
            continue
        matchers.append((matcher.name, _operator(matcher.op), matcher.value))
    return Selector(name, tuple(matchers))


def _operator(op) -> str:
    for candidate, text in ((promql_parser.MatchOp.Equal, "="), (promql_parser.MatchOp.NotEqual, "!="),
                            (promql_parser.MatchOp.Re, "=~"), (promql_parser.MatchOp.NotRe, "!~")):
        if op == candidate:
            return text
    return str(op)


COUNTER_FUNCTIONS = ("rate", "irate", "increase", "resets")


@dataclass(frozen=True)
class TypedUse:
    function: str  # rate, irate, increase, resets, histogram_quantile
    metrics: tuple[str, ...]


def typed_uses(expr: str) -> list[TypedUse]:
    """Functions that only make sense on some metric types, with the metrics they are applied to."""
    found: list[TypedUse] = []

    def visit(node):
        if isinstance(node, promql_parser.Call) and node.func.name in (*COUNTER_FUNCTIONS, "histogram_quantile"):
            found.append(TypedUse(node.func.name, _metrics(node)))
        return True

    promql_parser.walk(parse(expr), visit)
    return found


def keeps_label(node, label: str) -> bool:
    """Whether the expression's result still carries ``label`` of the series it reads."""
    pp = promql_parser
    if isinstance(node, (pp.VectorSelector, pp.MatrixSelector)):
        return True
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr)):
        return keeps_label(node.expr, label)
    if isinstance(node, pp.AggregateExpr):
        modifier = node.modifier
        if modifier is None:
            return False
        names = list(modifier.labels) if hasattr(modifier, "labels") else []
        return (label in names) if "By" in str(modifier.type) else (label not in names) and keeps_label(node.expr, label)
    if isinstance(node, pp.Call):
        vectors = [a for a in node.args if not isinstance(a, (pp.NumberLiteral, pp.StringLiteral))]
        return bool(vectors) and node.func.name not in ("time", "vector", "scalar") and keeps_label(vectors[0], label)
    if isinstance(node, pp.BinaryExpr):
        left_vector = not isinstance(node.lhs, pp.NumberLiteral) and bool(selectors(node.lhs))
        return keeps_label(node.lhs if left_vector else node.rhs, label)
    return False

