"""The input series an alert expression reads, found on its PromQL AST (promql-parser).

Every selector contributes series of its metric carrying the labels its matchers accept; a series that
satisfies every selector of the metric where that is possible, and a decoy for each label whose
matchers tell the selectors apart (status=~"5.." vs all statuses), so a ratio can be both high and low.
How a metric is read decides its shape: through rate/increase/changes it is a counter (its unknown is a
rate per second), through resets a counter that drops back to 0 (its unknown: how many times a second),
through predict_linear/deriv/delta a gauge with a slope, beside time() a clock (a timestamp: its unknown
is how far from the evaluation's time it is), a `_bucket` metric under
histogram_quantile a histogram whose unknown is the latency level, anything else a gauge holding a value.
Every series also carries job and instance labels, as a scraped series does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import promql_parser as pp

from monsuite.generate.matchers import NoValue, accepted_value, accepts, refused_value
from monsuite.rules.references import matches_on

COMPARISONS = {">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
               "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
COUNTER_READS = {"rate", "irate", "increase", "resets", "changes"}
SLOPE_READS = {"predict_linear", "deriv", "delta", "idelta"}
ABSENCE = {"absent", "absent_over_time"}
DEFAULT_JOB = "generated"
DEFAULT_INSTANCE = "generated:9100"
SECOND_INSTANCE = "generated-2:9100"
GROUPED_VALUE = "generated"  # a label the expression groups by, where no matcher gives it a value


class Unsupported(ValueError):
    pass


@dataclass
class Variable:
    describes: str
    candidates: list  # floats; None: the series is absent
    mirrors: int | None = None  # a decoy no selector reads: it takes this variable's value of the other phase
    metric: str = ""


@dataclass
class InputSeries:
    metric: str
    labels: dict
    kind: str  # gauge | counter | slope | bucket | clock
    var: int  # its value (gauge), rate (counter), starting value (slope), latency level (bucket) or offset
    # from the sample's own time in seconds (clock)
    slope_var: int | None = None
    le: str | None = None
    past_var: int | None = None  # read now and at an offset: its value before the recent part of each phase

    def selector(self) -> str:
        labels = {**self.labels, **({"le": self.le} if self.le is not None else {})}
        inner = ", ".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        return f"{self.metric}{{{inner}}}"


@dataclass
class Design:
    series: list[InputSeries]
    variables: list[Variable]
    measured: str  # the expression whose value is compared (the whole expression without a threshold)
    comparison: tuple[str, float] | None  # (op, threshold): measured op threshold holds
    window_ms: int  # the longest range plus offset the expression reads
    notes: list[str] = field(default_factory=list)
    recent_ms: int = 0  # with a metric read at an offset too: how much of each phase holds its present value
    # where the whole expression compares nothing (`a / b < 0.1 and c == 0`): its first comparison with a
    # number, whose value the inputs are chosen close to (expression compared, (op, threshold))
    focus: tuple[str, tuple[str, float]] | None = None
    # the other comparisons with a number joined to the focus by `and` (`... and x > 0`): each of them and the
    # focus gets inputs with its own value just past and just short of its threshold while the rest holds
    guards: list[tuple[str, tuple[str, float]]] = field(default_factory=list)
    shortest_window_ms: int = 0  # the shortest range the expression reads (0: it reads none)
    interval_ms: int = 15_000  # its test's input samples and evaluations (coarser for week-scale rules)
    phase_ms: int = 0  # how long its test holds each input (set with the rule's `for`)

    def holds(self, value: float) -> bool:
        if self.comparison is None:
            return True
        op, threshold = self.comparison
        return COMPARISONS[op](value, threshold)


@dataclass
class _Read:
    metric: str
    matchers: list
    kind: str
    offset_ms: int = 0
    window_ms: int = 0


def design(expr: str, windows_apart: bool = False) -> Design:
    """``windows_apart``: a metric read over windows of different lengths (`rate(x[15m]) / rate(x[1d])`)
    gets a past and a present too, the present as long as the shortest window (for rules no steady input
    fires)."""
    try:
        tree = pp.parse(expr)
    except ValueError as exc:
        raise Unsupported(f"its expression does not parse: {exc}") from None
    measured, comparison = _split_threshold(tree)
    reads, window_ms, under_absent = _reads(tree)
    if not reads:  # vector(1), a dead man's switch: it holds on no input at all, and its test says so
        return Design([], [], measured, comparison, window_ms, notes=["it reads no metric: it fires on any input"])
    numbers = _numbers(tree)
    series: list[InputSeries] = []
    variables: list[Variable] = []
    by_metric: dict[str, list[_Read]] = {}
    for read in reads:
        by_metric.setdefault(read.metric, []).append(read)
    recent_ms = 0
    enclosing = _enclosing_aggregations(tree)
    counted, grouping = _counted_apart(enclosing), _grouped_by(enclosing)
    joined = _joined_values(tree, reads)
    alike = _matched_alike(tree)
    for metric, metric_reads in by_metric.items():
        then_and_now = len({r.offset_ms for r in metric_reads}) > 1
        if then_and_now:
            # the present fills every window read now and lasts half the shortest offset (a `for` holds inside
            # it), so the windows read at the offset see the past only
            shortest = min(r.offset_ms for r in metric_reads if r.offset_ms)
            now_windows = max(r.window_ms for r in metric_reads if r.offset_ms == 0) if any(
                r.offset_ms == 0 for r in metric_reads) else 0
            if now_windows > shortest:
                raise Unsupported(f"it reads {metric} now over a window longer than its offset: no past can be "
                                  "told from the present")
            recent_ms = max(recent_ms, now_windows, shortest // 2)
        elif windows_apart and len({r.window_ms for r in metric_reads}) > 1:
            then_and_now = True
            recent_ms = max(recent_ms, min(r.window_ms for r in metric_reads if r.window_ms))
        main_past = None
        kinds = {r.kind for r in metric_reads}
        if kinds == {"gauge", "slope"}:  # a gauge with a slope also answers reads of its current value
            kinds = {"slope"}
        if "changing" in kinds:  # changes() of a series also read as it is counts none: a steady gauge;
            kinds = (kinds - {"changing"}) | ({"gauge"} if "gauge" in kinds else {"counter"})  # else a counter
        if kinds == {"counter", "resetting"}:  # a counter that resets also has a rate
            kinds = {"resetting"}
        if len(kinds) > 1:
            raise Unsupported(f"{metric} is read both as {' and as '.join(sorted(kinds))}")
        kind = kinds.pop()
        try:
            label_sets = _label_sets(metric_reads, grouping.get(metric, set()), joined, alike)
        except NoValue as exc:
            raise Unsupported(str(exc)) from None
        main_var = main_slope = None
        for labels, own_variable in label_sets:
            if own_variable or main_var is None:
                may_be_absent = metric in under_absent or _combines_presence(tree)
                variables.append(Variable(f"{metric}{_brief(labels)}",
                                          _candidates(kind, numbers, may_be_absent, metric_reads), metric=metric))
                main_var = len(variables) - 1 if main_var is None else main_var
            else:
                variables.append(Variable(f"{metric}{_brief(labels)}", [], mirrors=main_var, metric=metric))
            var = len(variables) - 1
            if kind == "bucket":
                series += [InputSeries(metric, labels, kind, var, le=le) for le in _ladder(numbers)]
            elif kind == "slope":
                if own_variable or main_slope is None:
                    variables.append(Variable(f"slope of {metric}{_brief(labels)}", _slope_candidates(numbers)))
                    main_slope = len(variables) - 1 if main_slope is None else main_slope
                series.append(InputSeries(metric, labels, kind, var,
                                          slope_var=len(variables) - 1 if own_variable else main_slope))
            else:
                series.append(InputSeries(metric, labels, kind, var))
            if then_and_now:
                if own_variable or main_past is None:
                    variables.append(Variable(f"{metric}{_brief(labels)} in the past", list(variables[var].candidates or
                                                                                           variables[main_var].candidates)))
                    main_past = len(variables) - 1 if main_past is None else main_past
                past = len(variables) - 1 if own_variable else main_past
                for made in series:
                    if made.var == var:
                        made.past_var = past
        if metric in counted and not then_and_now and kind != "bucket" and not any(
                m.name == "instance" for r in metric_reads for m in r.matchers):
            series.append(_second_instance(series, variables, metric, label_sets[0][0]))
    focus = None if comparison is not None else _first_comparison(tree)
    guards = [] if focus is None else [g for g in _joined_by_and(tree) if g != focus]
    chained = _chained(tree) if comparison is not None else []
    if chained:  # `3 <= x < 20`: each bound a comparison of its own, as if joined by `and`
        focus, guards = chained[0], chained[1:]
    return Design(series, variables, measured, comparison, window_ms, recent_ms=recent_ms, focus=focus,
                  guards=guards,
                  shortest_window_ms=min((r.window_ms for r in reads if r.window_ms), default=0))


def _keeps_instance(modifier) -> bool:
    if modifier is None:
        return False
    if modifier.type == pp.AggModifierType.By:
        return "instance" in modifier.labels
    return "instance" not in modifier.labels


def _enclosing_aggregations(tree) -> dict[str, list[tuple]]:
    """Per metric, for each selector of it: the aggregations around it, outermost first."""
    found: dict[str, list[tuple]] = {}

    def visit(node, around: tuple) -> None:
        if isinstance(node, pp.AggregateExpr):
            around = (*around, node)
        if isinstance(node, (pp.MatrixSelector, pp.VectorSelector)):
            selector = node.vector_selector if isinstance(node, pp.MatrixSelector) else node
            found.setdefault(selector.name, []).append(around)
            return
        for child in children(node):
            visit(child, around)

    visit(tree, ())
    return found


def _grouped_by(enclosing: dict[str, list[tuple]]) -> dict[str, set[str]]:
    """Per metric, the labels of every `by (...)` and `without (...)` around its selectors (job and instance
    come with every series anyway): a series without them cannot tell `without (cpu)` from `without ()`."""
    return {metric: {label for around in chains for node in around if node.modifier is not None
                     for label in node.modifier.labels} - {"job", "instance", "__name__"}
            for metric, chains in enclosing.items()}


def _counted_apart(enclosing: dict[str, list[tuple]]) -> set[str]:
    """Metrics whose series the expression tells apart from each other: counted (`count(x) > 1`,
    `count_values`), or read both alone and aggregated (`up == 0 unless on(job) sum by (job) (up) == 0`).
    One series cannot fire such a rule: these get a second instance."""
    def innermost(around: tuple) -> str:
        if not around:
            return ""
        # an aggregation kept apart per instance sees one series per group, however many instances there are
        return "per instance" if _keeps_instance(around[-1].modifier) else str(around[-1].op)

    made = set()
    for metric, chains in enclosing.items():
        ops = {innermost(around) for around in chains}
        if ops & {"count", "count_values"} or ("" in ops and len(ops) > 1):
            made.add(metric)
    return made


def _second_instance(series: list[InputSeries], variables: list[Variable], metric: str, labels: dict) -> InputSeries:
    """The metric's main series on a second instance, with a value of its own (or absent)."""
    main = next(s for s in series if s.metric == metric and s.labels == labels)
    own = [c for c in variables[main.var].candidates if c is not None]
    variables.append(Variable(f"{metric}{_brief(labels)} on a second instance", own + [None], metric=metric))
    return InputSeries(metric, {**labels, "instance": SECOND_INSTANCE}, main.kind, len(variables) - 1,
                       slope_var=main.slope_var)


def bucket_rate(series: InputSeries, level: float) -> float:
    """A histogram's bucket counters: every observation (one per second) falls at ``level``."""
    return 1.0 if series.le == "+Inf" or float(series.le) >= level else 0.0


def _split_threshold(tree) -> tuple[str, tuple[str, float] | None]:
    node = tree
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    if isinstance(node, pp.BinaryExpr) and str(node.op) in COMPARISONS and not _returns_bool(node):
        lhs, rhs = _unwrap(node.lhs), _unwrap(node.rhs)
        if isinstance(rhs, pp.NumberLiteral) and not isinstance(lhs, pp.NumberLiteral):
            return str(node.lhs), (str(node.op), float(rhs.val))
        if isinstance(lhs, pp.NumberLiteral) and not isinstance(rhs, pp.NumberLiteral):
            return str(node.rhs), (FLIPPED[str(node.op)], float(lhs.val))
    return str(tree), None


def _first_comparison(tree) -> tuple[str, tuple[str, float]] | None:
    """The first comparison with a number inside the expression (left to right), as _split_threshold says it."""
    measured, comparison = _split_threshold(tree)
    if comparison is not None and measured != str(tree):
        return measured, comparison
    for child in children(tree):
        found = _first_comparison(child)
        if found is not None:
            return found
    return None


def _joined_by_and(tree) -> list[tuple[str, tuple[str, float]]]:
    """The comparisons with a number that `and` joins at the top of the expression, left to right."""
    node = tree
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "and":
        return _joined_by_and(node.lhs) + _joined_by_and(node.rhs)
    measured, comparison = _split_threshold(node)
    return [(measured, comparison)] if comparison is not None else []


def _chained(tree) -> list[tuple[str, tuple[str, float]]]:
    """`3 <= x < 20` (the inner comparison filters, the outer compares what is left): both bounds, each as a
    comparison of x with its number, outer first; [] for anything else."""
    outer_measured, outer = _split_threshold(tree)
    if outer is None:
        return []
    inner_measured, inner = _split_threshold(pp.parse(outer_measured))
    if inner is None:
        return []
    return [(inner_measured, outer), (inner_measured, inner)]


def _unwrap(node):
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    if isinstance(node, pp.UnaryExpr) and isinstance(node.expr, pp.NumberLiteral):
        return pp.parse(str(node))
    return node


def _returns_bool(node) -> bool:
    return node.modifier is not None and bool(node.modifier.return_bool)


def children(node) -> list:
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        return [node.expr]
    if isinstance(node, pp.AggregateExpr):
        return ([node.param] if node.param is not None else []) + [node.expr]
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.Call):
        return list(node.args)
    return []


def _reads(tree) -> tuple[list[_Read], int, set]:
    reads: list[_Read] = []
    longest = [0]
    under_absent: set = set()

    def visit(node, context: str, in_absent: bool, in_quantile: bool):
        if isinstance(node, pp.SubqueryExpr):
            raise Unsupported("it uses a subquery")
        if isinstance(node, pp.Call):
            name = node.func.name
            for arg in node.args:
                visit(arg, name, in_absent or name in ABSENCE, in_quantile or name == "histogram_quantile")
            return
        if isinstance(node, (pp.MatrixSelector, pp.VectorSelector)):
            selector = node.vector_selector if isinstance(node, pp.MatrixSelector) else node
            if selector.at:
                raise Unsupported("a selector uses @ (a fixed time)")
            if not selector.name:
                raise Unsupported("a selector has no metric name")
            offset = selector.offset.total_seconds() if selector.offset else 0
            if offset < 0:
                raise Unsupported("a selector uses a negative offset")
            window = node.range.total_seconds() if isinstance(node, pp.MatrixSelector) else 0
            longest[0] = max(longest[0], int((window + offset) * 1000))
            kind = "clock" if selector.name in clocks else "gauge"
            if isinstance(node, pp.MatrixSelector):
                if in_quantile and selector.name.endswith("_bucket") and context in COUNTER_READS:
                    kind = "bucket"
                elif context == "resets":
                    kind = "resetting"
                elif context == "changes":
                    kind = "changing"
                elif context in COUNTER_READS:
                    kind = "counter"
                elif context in SLOPE_READS:
                    kind = "slope"
            matchers = [m for m in selector.matchers.matchers if m.name != "__name__"]
            if selector.matchers.or_matchers:
                raise Unsupported("a selector uses `or` between matchers")
            reads.append(_Read(selector.name, matchers, kind, int(offset * 1000), int(window * 1000)))
            if in_absent:
                under_absent.add(selector.name)
            return
        for child in children(node):
            visit(child, context, in_absent, in_quantile)

    clocks = _beside_time(tree)
    visit(tree, "", False, False)
    return reads, longest[0], under_absent


def _beside_time(tree) -> set[str]:
    """Metrics added to or subtracted from time() (`time() - x_timestamp_seconds > 600`, `expiry - time()`):
    they hold a moment, so their input follows the clock (see series_notation: `clock`)."""
    found: set[str] = set()

    def is_time(node) -> bool:
        node = _unwrap(node)
        return isinstance(node, pp.Call) and node.func.name == "time"

    def metrics(node) -> set[str]:
        if isinstance(node, pp.MatrixSelector):
            node = node.vector_selector
        if isinstance(node, pp.VectorSelector):
            return {node.name} if node.name else set()
        return {m for child in children(node) for m in metrics(child)}

    def visit(node):
        if isinstance(node, pp.BinaryExpr) and str(node.op) in ("+", "-"):
            for side, other in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
                if is_time(side):
                    found.update(metrics(other))
        for child in children(node):
            visit(child)

    visit(tree)
    return found


def _label_sets(reads: list[_Read], grouping: set[str] = frozenset(), joined: dict | None = None,
                alike: dict | None = None) -> list[tuple[dict, bool]]:
    """(labels, needs its own variable): the series every compatible selector reads, then decoys. Each
    carries the labels the expression groups by, where its matchers leave them out, so an alert that
    keeps them shows them (a label dropped from `by (...)` is then noticed), the labels a match
    joins on (`on (container)`) with the value another metric's matcher gives them, and ``alike``: the
    labels a match on every label pairs by, where no matcher of this metric names them (name -> (value,
    a refused value, the namespace of the metric demanding it)), with a decoy carrying the refused value,
    as the other metric's decoy does."""
    main: dict = {}
    extra: list[dict] = []
    for read in reads:
        grown = dict(main)
        for matcher in read.matchers:
            if accepts(matcher, grown.get(matcher.name, "")):
                continue
            if matcher.name in grown:
                extra.append(_satisfying(read))
                break
            grown[matcher.name] = accepted_value(matcher)
        else:
            main = grown
    sets = [(main, True)] + [(labels, True) for labels in extra if labels != main]
    telling_apart = {m.name for r in reads for m in r.matchers if not all(
        any(o.name == m.name and o.op == m.op and o.value == m.value for o in other.matchers) for other in reads)}
    for read in reads:
        for matcher in read.matchers:
            decoy = _decoy(main, matcher, set(grouping) | set(joined or {}))
            if decoy is not None and all(decoy != labels for labels, _ in sets):
                sets.append((decoy, matcher.name in telling_apart))
    grouped = {name: GROUPED_VALUE for name in sorted(grouping)
               if all(accepts(m, GROUPED_VALUE) for r in reads for m in r.matchers if m.name == name)}
    grouped.update({name: value for name, value in (joined or {}).items()
                    if all(accepts(m, value) for r in reads for m in r.matchers if m.name == name)})
    named = {m.name for r in reads for m in r.matchers}
    namespace = _namespace(reads[0].metric)
    carried = {name: (value, refused) for name, (value, refused, where) in (alike or {}).items()
               if name not in named and where == namespace}
    sets += [({**main, name: refused}, False) for name, (_, refused) in carried.items() if refused is not None]
    carried = {name: value for name, (value, _) in carried.items()}
    return [(_scraped({**carried, **grouped, **labels}), own) for labels, own in sets]


def _selectors_kept(node) -> list:
    """The selectors under ``node`` whose labels reach it (not under an aggregation)."""
    if isinstance(node, pp.AggregateExpr):
        return []
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, pp.VectorSelector):
        return [node]
    return [kept for child in children(node) for kept in _selectors_kept(child)]


def _namespace(metric: str) -> str:
    """The first word of a metric's name: the exporter's namespace (`node_`, `pg_`)."""
    return metric.split("_", 1)[0]


def _matched_alike(tree) -> dict[str, tuple[str, str | None, str]]:
    """The labels a match on every label (no `on`; `ignoring` leaves its own out) pairs series by, each with
    the value a matcher on either side demands, one it refuses and the namespace of its metric:
    `node_nf_conntrack_entries{job="node"} / node_nf_conntrack_entries_limit` pairs only series whose job is
    alike, so the limit, which the same exporter gives, carries job="node" too. A metric of another
    namespace is left as scraped: `pg_database_size_bytes{job="postgres"} / node_filesystem_size_bytes`
    divides series of two exporters, which never share a job, and the rule cannot fire."""
    values: dict[str, tuple[str, str | None, str]] = {}

    def visit(node):
        if isinstance(node, pp.BinaryExpr) and not matches_on(node):
            sides = [_selectors_kept(node.lhs), _selectors_kept(node.rhs)]
            if all(sides):
                ignored = set(node.modifier.matching.labels) if node.modifier and node.modifier.matching else set()
                for selector in sides[0] + sides[1]:
                    for matcher in selector.matchers.matchers:
                        if matcher.name == "__name__":
                            continue
                        if matcher.name in ignored | {"instance"} or matcher.name in values:
                            continue
                        try:
                            value = accepted_value(matcher)
                        except NoValue:
                            continue
                        if value is not None and matcher.op == pp.MatchOp.Equal:
                            values[matcher.name] = (value, refused_value(matcher), _namespace(selector.name or ""))
        for child in children(node):
            visit(child)

    visit(tree)
    return values


def _joined_values(tree, reads: list[_Read]) -> dict[str, str]:
    """The labels matches join on (`on (...)`), each with the value the first matcher naming it accepts (the
    grouped value where none names it): every metric's series then carry the same value, and the two sides
    meet (`sum by (node) (...) > 2 and on (node) unschedulable == 0`)."""
    names: set[str] = set()

    def visit(node):
        if isinstance(node, pp.BinaryExpr) and matches_on(node):
            names.update(node.modifier.matching.labels)
        for child in children(node):
            visit(child)

    visit(tree)
    names.discard("instance")  # a series' own instance; a second instance keeps a value of its own
    values = {}
    for read in reads:
        for matcher in read.matchers:
            if matcher.name in names and matcher.name not in values:
                try:
                    value = accepted_value(matcher)
                except NoValue:
                    continue
                if value is not None:
                    values[matcher.name] = value
    return {**{name: GROUPED_VALUE for name in names - {"job"}}, **values}


def _decoy(main: dict, matcher, grouping: set[str]) -> dict | None:
    """The main series with a label value the matcher refuses; where it refuses only the empty value
    (`fstype!=""`), the main series without the label (not for a label grouped by: the series keeps it)."""
    value = refused_value(matcher)
    if value is not None:
        return {**main, matcher.name: value}
    if not accepts(matcher, "") and matcher.name not in grouping and matcher.name not in ("job", "instance"):
        return {k: v for k, v in main.items() if k != matcher.name}
    return None


def _satisfying(read: _Read) -> dict:
    labels = {}
    for matcher in read.matchers:
        value = accepted_value(matcher)
        if value is not None:
            labels[matcher.name] = value
    return labels


def _scraped(labels: dict) -> dict:
    return {"job": DEFAULT_JOB, "instance": DEFAULT_INSTANCE, **labels}


def _combines_presence(tree) -> bool:
    """`or` / `unless` make a series' absence matter: absent inputs are candidates too."""
    if isinstance(tree, pp.BinaryExpr) and str(tree.op) in ("or", "unless"):
        return True
    return any(_combines_presence(child) for child in children(tree))


def _numbers(tree) -> list[float]:
    """The numbers in the expression, constant arithmetic folded (60 * 60 * 24 is also 86400)."""
    found: list[float] = []

    def visit(node):
        value = _constant(node)
        if value is not None and math.isfinite(value):
            found.append(abs(value))
        for child in children(node):
            visit(child)

    visit(tree)
    return found


def _constant(node) -> float | None:
    if isinstance(node, pp.NumberLiteral):
        return float(node.val)
    if isinstance(node, pp.ParenExpr):
        return _constant(node.expr)
    if isinstance(node, pp.BinaryExpr) and str(node.op) in ("+", "-", "*", "/"):
        left, right = _constant(node.lhs), _constant(node.rhs)
        if left is None or right is None or (str(node.op) == "/" and right == 0):
            return None
        return {"+": left + right, "-": left - right, "*": left * right, "/": left / right if right else 0}[str(node.op)]
    return None


def _candidates(kind: str, numbers: list[float], may_be_absent: bool, reads: list[_Read]) -> list:
    if kind == "resetting":
        values: list = _reset_candidates(numbers, reads)
    elif kind == "bucket":
        values = list(_levels(numbers))
    else:
        values = [0.0, 1.0, 10.0, 100.0, 1000.0]
        if 0 in numbers:  # `> 0`: a value just past it, which `> 1` would not see
            values += [0.001, 0.01, 0.1]
        for n in numbers:
            if n > 0:
                values += [n, n / 2, n * 2, n / 10, n * 10, n / 100, n * 100, n + 1]
        values = sorted(dict.fromkeys(values))
        if kind in ("gauge", "clock"):
            values += [-v for v in values if v > 0]
    return ([None] if may_be_absent else []) + values


def _reset_candidates(numbers: list[float], reads: list[_Read]) -> list[float]:
    """Resets per second: so many resets in each window read, around the expression's numbers."""
    counts = {0.0, 1.0, 2.0} | {c for n in numbers if n > 0 for c in (n, n + 1, n * 2, math.floor(n / 2))}
    windows = {r.window_ms / 1000 for r in reads if r.window_ms}
    return sorted({c / w for c in counts for w in windows if c > 0} | {0.0})


def _slope_candidates(numbers: list[float]) -> list[float]:
    magnitudes = sorted(dict.fromkeys([1.0, 10.0, 1000.0] + [n * f for n in numbers if n > 0 for f in (1, 2, 0.5)]))
    return [0.0] + [-m for m in magnitudes] + magnitudes


def _levels(numbers: list[float]) -> list[float]:
    thresholds = [n for n in numbers if n > 0] or [1.0]
    levels = {t * f for t in thresholds for f in (0.1, 0.5, 2, 10)}
    return sorted(levels)


def _ladder(numbers: list[float]) -> list[str]:
    levels = _levels(numbers)
    return [repr(level) for level in levels] + ["+Inf"]


def _brief(labels: dict) -> str:
    shown = {k: v for k, v in labels.items() if k not in ("job", "instance")}
    return "{" + ",".join(f'{k}="{v}"' for k, v in shown.items()) + "}" if shown else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
