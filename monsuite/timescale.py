"""Time compression for CI: one factor applied to every duration of a monitoring configuration.

Scrape and evaluation intervals, rule group intervals, `for:` durations, and every range, offset and
subquery window inside PromQL expressions are divided by the same factor, so a 5m window with a
5m `for` becomes 5s and 5s at a factor of 60. Expressions are rewritten on the PromQL AST
(promql-parser), never with text substitution.
"""

from __future__ import annotations

import re
from datetime import timedelta

import promql_parser

DURATION = re.compile(r"^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$")
UNITS = (("y", 365 * 86400_000), ("w", 7 * 86400_000), ("d", 86400_000), ("h", 3600_000), ("m", 60_000), ("s", 1000), ("ms", 1))


class TimeScaleError(ValueError):
    pass


def is_duration(text) -> bool:
    return isinstance(text, str) and bool(text) and bool(DURATION.match(text))


def parse_ms(text: str) -> int:
    if not is_duration(text):
        raise TimeScaleError(f"not a Prometheus duration: {text!r}")
    total = 0
    for number, unit in re.findall(r"(\d+)(ms|y|w|d|h|m|s)", text):
        total += int(number) * dict(UNITS)[unit]
    return total


def format_ms(ms: int) -> str:
    """A duration Prometheus and Alertmanager both parse, e.g. 1m30s or 250ms."""
    if ms <= 0:
        return "0s"
    parts = []
    for unit, size in UNITS[2:]:  # d h m s ms: no y/w, so every value reads plainly
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def scale_duration(text: str, factor: float) -> str:
    """Divide a duration by the factor, to whole milliseconds (at least 1ms for a non-zero one)."""
    ms = parse_ms(text)
    return format_ms(max(1, round(ms / factor)) if ms else 0)


def _scaled(delta: timedelta | None, factor: float) -> timedelta | None:
    if delta is None or delta == timedelta(0):
        return delta
    sign = -1 if delta < timedelta(0) else 1
    ms = max(1, round(abs(delta.total_seconds()) * 1000 / factor))
    return timedelta(milliseconds=sign * ms)


def scale_expression(expr: str, factor: float) -> str:
    """The expression with every range, offset and subquery window divided by ``factor``."""
    try:
        tree = promql_parser.parse(expr)
    except Exception as exc:  # noqa: BLE001 - the parser raises plain exceptions
        raise TimeScaleError(f"cannot parse PromQL: {exc}") from None
    expected = []
    _scale_node(tree, factor, expected)
    text = str(tree)
    _check_round_trip(expr, text, expected)
    return text


def _scale_node(node, factor: float, expected: list) -> None:
    # The AST is changed in place through attribute access from the root: promql-parser's
    # transform() hands callbacks detached copies, whose changes would be lost.
    if isinstance(node, promql_parser.MatrixSelector):
        node.range = _scaled(node.range, factor)
        expected.append(node.range)
        _scale_node(node.vector_selector, factor, expected)
    elif isinstance(node, promql_parser.VectorSelector):
        if node.offset:
            node.offset = _scaled(node.offset, factor)
            expected.append(node.offset)
    elif isinstance(node, promql_parser.SubqueryExpr):
        node.range = _scaled(node.range, factor)
        expected.append(node.range)
        if node.step:
            node.step = _scaled(node.step, factor)
            expected.append(node.step)
        if node.offset:
            node.offset = _scaled(node.offset, factor)
            expected.append(node.offset)
        _scale_node(node.expr, factor, expected)
    elif isinstance(node, promql_parser.BinaryExpr):
        _scale_node(node.lhs, factor, expected)
        _scale_node(node.rhs, factor, expected)
    elif isinstance(node, promql_parser.Call):
        for arg in node.args:
            _scale_node(arg, factor, expected)
    elif isinstance(node, (promql_parser.AggregateExpr, promql_parser.ParenExpr, promql_parser.UnaryExpr)):
        _scale_node(node.expr, factor, expected)
        if isinstance(node, promql_parser.AggregateExpr) and node.param is not None:
            _scale_node(node.param, factor, expected)


def _durations(expr: str) -> list[timedelta]:
    found: list[timedelta] = []

    def visit(node):
        if isinstance(node, promql_parser.MatrixSelector):
            found.append(node.range)
        elif isinstance(node, promql_parser.SubqueryExpr):
            found.extend(d for d in (node.range, node.step, node.offset) if d)
        if isinstance(node, promql_parser.VectorSelector) and node.offset:
            found.append(node.offset)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def _check_round_trip(original: str, text: str, expected: list) -> None:
    """The printed expression must say exactly the scaled durations (the printer rounds some)."""
    try:
        got = sorted(_durations(text))
    except Exception:  # noqa: BLE001 - the printed form does not even parse
        got = None
    want = sorted(d for d in expected if d)
    if got != want:
        raise TimeScaleError(
            f"scaling {original!r} cannot be written exactly (got {text!r}); "
            "promql-parser prints selector durations in whole seconds, so choose a time_scale that divides "
            "every range, offset and subquery step of the rules into whole seconds")
