"""Series that make an alert expression hold, found by evaluating its AST (promql-parser).

Every metric the expression reads gets one series, pushed with the labels its selectors match on
(the union: one-to-one matching then pairs them). A metric read directly is a gauge holding one value;
one read through a range function (rate, increase, delta, ...) is a counter growing at one rate. The
evaluation follows PromQL on single series: comparisons filter, `and`/`or`/`unless` combine presence,
aggregations of one series return it (count: 1). Candidate values come from the numbers in the
expression; the first assignment for which the expression yields a series is the fault. An expression
that already holds with no series at all (absent(), `or vector(0)`) is refused: it would fire before
any fault.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from dataclasses import dataclass

import promql_parser as pp

from monsuite.rules.references import keeps_label

COMPARISONS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
               "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}
ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: _divide(a, b), "%": lambda a, b: math.fmod(a, b) if b else math.nan,
              "^": lambda a, b: _power(a, b)}
RATE_LIKE = {"rate": 1, "irate": 1, "deriv": 1}  # per second
WINDOW_LIKE = {"increase", "delta", "idelta"}  # over the window (idelta: taken as delta, a steady counter)
OVER_TIME = {"avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "last_over_time", "quantile_over_time"}
PASS_THROUGH = {"label_replace", "label_join", "sort", "sort_desc", "timestamp"}
AGGREGATES_OF_ONE = {"sum", "min", "max", "avg", "quantile", "topk", "bottomk"}


class Unsupported(ValueError):
    pass


@dataclass(frozen=True)
class Solution:
    series: list[dict]  # for a scenario's fault.push.series
    ramp_ms: int  # the longest range window the expression reads (its rate needs that long to settle)
    keeps_instance: bool  # the alert carries the pushed series' instance label
    collateral: tuple[int, ...] = ()  # indexes of `avoid` expressions that hold too (none could be avoided)


@dataclass(frozen=True)
class _State:
    gauges: dict | None  # metric -> value; None: no series at all
    rates: dict | None  # metric -> per-second growth
    now: float
    window_scale: float = 1.0  # a time-compressed profile divides every range window by this
    def gauge(self, metric: str) -> float | None:
        return None if self.gauges is None else self.gauges.get(metric)

    def rate(self, metric: str) -> float | None:
        return None if self.rates is None else self.rates.get(metric)


MAX_ASSIGNMENTS = 20_000  # candidate values per metric, combined: the search stays well under a second


def solve(expr: str, time_scale: float = 1.0, avoid: list[str] = ()) -> Solution:
    """Series for which ``expr`` holds both as written and with its windows divided by ``time_scale``
    (increase() over a scaled window counts time_scale times less), preferring series for which none
    of the ``avoid`` expressions (the other alert rules) holds: the fault should fire its alert only."""
    try:
        tree = pp.parse(expr)
    except ValueError as exc:
        raise Unsupported(f"its expression does not parse: {exc}") from None
    reads = _reads(tree)
    if not reads:
        raise Unsupported("it reads no metric")
    now = time.time()
    scales = sorted({1.0, float(time_scale)})
    if any(_holds(tree, _State(None, None, now, scale)) for scale in scales):
        raise Unsupported("it holds while its series are absent (absent() or `or vector(...)`): it would fire before any fault")
    labels = _labels(tree)
    metrics = sorted(reads)
    # rules that hold with no series at all fire whatever the fault does: nothing to avoid there
    others = [None if tree is None or _holds_safely(tree, _State(None, None, now)) else tree
              for tree in map(_parsed_or_none, avoid)]
    candidates = _candidates(tree)
    first = None
    for values in itertools.islice(itertools.product(candidates, repeat=len(metrics)), MAX_ASSIGNMENTS):
        chosen = dict(zip(metrics, values))
        gauges = {m: v for m, v in chosen.items() if reads[m] == "gauge"}
        rates = {m: v for m, v in chosen.items() if reads[m] == "counter"}
        if not all(_holds(tree, _State(gauges, rates, now, scale)) for scale in scales):
            continue
        collateral = tuple(i for i, other in enumerate(others)
                           if other is not None and _holds_safely(other, _State(gauges, rates, now)))
        found = Solution(_series(metrics, labels, gauges, rates), _longest_window_ms(tree),
                         keeps_label(tree, "instance"), collateral)
        if not collateral:
            return found
        first = first or found
    if first is not None:
        return first
    raise Unsupported("no value of its metrics found that makes it hold (e.g. it needs several series, or history)")


def _series(metrics: list[str], labels: dict, gauges: dict, rates: dict) -> list[dict]:
    series = []
    for name in metrics:
        entry = {"name": name, **({"labels": labels} if labels else {})}
        entry.update({"value": 0, "rate": rates[name]} if name in rates else {"value": gauges[name]})
        series.append(entry)
    return series


def _parsed_or_none(expr: str):
    try:
        return pp.parse(expr)
    except ValueError:
        return None


def _holds_safely(tree, state: _State) -> bool:
    """Another rule, with only this fault's series present (what it cannot evaluate counts as quiet)."""
    try:
        return _holds(tree, state)
    except Unsupported:
        return False


def _holds(tree, state: _State) -> bool:
    value, _ = _eval(tree, state)
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _eval(node, s: _State) -> tuple[float | None, bool]:
    """(value, is_vector): value None is an empty vector."""
    if isinstance(node, pp.NumberLiteral):
        return float(node.val), False
    if isinstance(node, pp.ParenExpr):
        return _eval(node.expr, s)
    if isinstance(node, pp.UnaryExpr):
        value, vector = _eval(node.expr, s)
        return (None if value is None else -value), vector
    if isinstance(node, pp.VectorSelector):
        if node.offset or node.at:
            raise Unsupported("a selector uses offset or @ (it reads history a push cannot give)")
        return s.gauge(node.name), True
    if isinstance(node, pp.AggregateExpr):
        return _aggregate(node, s)
    if isinstance(node, pp.Call):
        return _call(node, s)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node, s)
    raise Unsupported(f"{type(node).__name__} expressions are not evaluated")


def _aggregate(node, s: _State):
    value, _ = _eval(node.expr, s)
    op = str(node.op)
    if value is None:
        return None, True
    if op in AGGREGATES_OF_ONE:
        return value, True
    if op in ("count", "group"):
        return 1.0, True
    if op in ("stddev", "stdvar"):
        return 0.0, True
    raise Unsupported(f"aggregation {op} is not evaluated")


def _call(node, s: _State):
    name = node.func.name
    args = list(node.args)
    if name == "time":
        return s.now, False
    if name in ("vector", "scalar"):
        value, _ = _eval(args[0], s)
        return value, name == "vector"
    if name in RATE_LIKE or name in WINDOW_LIKE:
        window = _window_seconds(args[0]) / s.window_scale
        rate = s.rate(args[0].vector_selector.name)
        if rate is None:
            return None, True
        return (rate if name in RATE_LIKE else rate * window), True
    if name in OVER_TIME:
        matrix = args[-1] if name != "quantile_over_time" else args[1]
        _window_seconds(matrix)
        return s.gauge(matrix.vector_selector.name), True
    if name == "predict_linear":
        _window_seconds(args[0])
        horizon, _ = _eval(args[1], s)
        rate = s.rate(args[0].vector_selector.name)
        return (None if rate is None else rate * horizon), True
    if name in ("abs", "ceil", "floor", "round", "sqrt", "ln", "log2", "log10", "exp"):
        value, vector = _eval(args[0], s)
        function = {"abs": abs, "ceil": math.ceil, "floor": math.floor, "round": round, "sqrt": _safe(math.sqrt),
                    "ln": _safe(math.log), "log2": _safe(math.log2), "log10": _safe(math.log10), "exp": math.exp}[name]
        return (None if value is None else float(function(value))), vector
    if name in ("clamp_max", "clamp_min"):
        value, vector = _eval(args[0], s)
        bound, _ = _eval(args[1], s)
        if value is None:
            return None, vector
        return (min(value, bound) if name == "clamp_max" else max(value, bound)), vector
    if name in PASS_THROUGH:
        value, vector = _eval(args[0], s)
        return (s.now if name == "timestamp" and value is not None else value), vector
    if name == "absent":
        value, _ = _eval(args[0], s)
        return (1.0 if value is None else None), True
    raise Unsupported(f"function {name}() is not evaluated")


def _binary(node, s: _State):
    op = str(node.op)
    left, left_vector = _eval(node.lhs, s)
    right, right_vector = _eval(node.rhs, s)
    if op in ("and", "or", "unless"):
        if op == "and":
            return (left if right is not None else None), True
        if op == "or":
            return (left if left is not None else right), True
        return (left if right is None else None), True
    if left is None or right is None:
        return None, left_vector or right_vector
    if op in COMPARISONS:
        holds = COMPARISONS[op](left, right)
        if node.modifier is not None and node.modifier.return_bool:
            return (1.0 if holds else 0.0), left_vector or right_vector
        if not left_vector and not right_vector:
            raise Unsupported("a comparison of two numbers needs `bool`")
        return ((left if left_vector else right) if holds else None), True
    if op in ARITHMETIC:
        return ARITHMETIC[op](left, right), left_vector or right_vector
    raise Unsupported(f"operator {op} is not evaluated")


def _children(node) -> list:
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr)):
        return [node.expr]
    if isinstance(node, pp.AggregateExpr):
        return [node.expr] + ([node.param] if node.param is not None and not isinstance(node.param, (int, float, str)) else [])
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.SubqueryExpr):
        return [node.expr]
    return []


def _walk(node, visit) -> None:
    """Depth first; visit(node) returning False skips the node's children."""
    if visit(node) is not False:
        for child in _children(node):
            _walk(child, visit)


def _reads(tree) -> dict[str, str]:
    """metric -> "gauge" or "counter" (read through a range function)."""
    found: dict[str, str] = {}

    def visit(node):
        if isinstance(node, pp.Call) and node.func.name in OVER_TIME:
            for arg in node.args:  # a gauge read over a window: pushed as a steady value
                if isinstance(arg, pp.MatrixSelector):
                    found[arg.vector_selector.name] = "gauge"
            return False
        if isinstance(node, pp.MatrixSelector):
            name = node.vector_selector.name
            if found.get(name) == "gauge":
                raise Unsupported(f"{name} is read both directly and through a range function")
            found[name] = "counter"
            return False
        if isinstance(node, pp.VectorSelector):
            if not node.name:
                raise Unsupported("a selector has no metric name")
            if found.get(node.name) == "counter":
                raise Unsupported(f"{node.name} is read both directly and through a range function")
            found[node.name] = "gauge"
        return True

    _walk(tree, visit)
    return found


def _labels(tree) -> dict:
    """The union of every selector's equality matchers (the labels each pushed series carries)."""
    labels: dict[str, str] = {}

    def visit(node):
        selector = node.vector_selector if isinstance(node, pp.MatrixSelector) else node
        if isinstance(selector, pp.VectorSelector):
            for matcher in selector.matchers.matchers:
                if matcher.name == "__name__":
                    continue
                value = _satisfying(matcher)
                if value is None:
                    continue  # a negative matcher that an absent label satisfies
                if matcher.name in ("job", "instance"):
                    raise Unsupported(f"it matches {matcher.name}, which a series pushed for a scenario cannot carry")
                if labels.get(matcher.name, value) != value:
                    raise Unsupported(f"its selectors need different values of {matcher.name}")
                labels[matcher.name] = value
            return not isinstance(node, pp.MatrixSelector)
        return True

    _walk(tree, visit)
    return labels


def _satisfying(matcher) -> str | None:
    """A label value the matcher accepts; None where leaving the label out satisfies it."""
    op, wanted = matcher.op, matcher.value
    if op == pp.MatchOp.Equal:
        return wanted
    if op in (pp.MatchOp.NotEqual, pp.MatchOp.NotRe):
        accepts_empty = wanted != "" if op == pp.MatchOp.NotEqual else not re.fullmatch(wanted, "")
        if accepts_empty:
            return None
        raise Unsupported(f"the matcher on {matcher.name} needs the label to be present with some value")
    for alternative in [wanted, *wanted.split("|")]:  # =~: a literal alternative that the regex accepts
        literal = alternative.strip("^$()")
        if re.fullmatch(r"[\w.:/-]*", literal) and re.fullmatch(wanted, literal):
            return literal or None
    raise Unsupported(f"no plain value found for the regex matcher on {matcher.name}")


def _numbers(tree) -> list[float]:
    found = []

    def visit(node):
        if isinstance(node, pp.NumberLiteral):
            found.append(float(node.val))
        return True

    _walk(tree, visit)
    return found


def _candidates(tree) -> list[float]:
    values = [0.0, 1.0, -1.0]
    for n in _numbers(tree):
        values += [n, n * 2, n / 2, n + 1, n - 1, n * 10 + 1, -n, n * 100 + 1]
    unique = dict.fromkeys(v for v in values if math.isfinite(v))
    return sorted(unique, key=lambda v: v < 0)  # a non-negative value first: most metrics cannot go below 0


def _window_seconds(node) -> float:
    if not isinstance(node, pp.MatrixSelector):
        raise Unsupported("a range function over a subquery is not evaluated")
    if node.vector_selector.offset or node.vector_selector.at:
        raise Unsupported("a selector uses offset or @ (it reads history a push cannot give)")
    return node.range.total_seconds()


def _longest_window_ms(tree) -> int:
    windows = [0.0]

    def visit(node):
        if isinstance(node, pp.MatrixSelector):
            windows.append(node.range.total_seconds())
        return True

    _walk(tree, visit)
    return int(max(windows) * 1000)


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a)
    return a / b


def _power(a: float, b: float) -> float:
    try:
        return float(a ** b)
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _safe(function):
    def apply(value):
        try:
            return function(value)
        except ValueError:
            return math.nan
    return apply
