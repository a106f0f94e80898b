"""Generated promtool unit tests for alert rules: series that fire each rule and series that keep it quiet.

1. The rule's AST gives its input series and the unknowns (inputs.design).
2. Candidate values for the unknowns, taken from the numbers in the expression, are evaluated by promtool
   on steady series: the firing input is one for which the compared value lies just past the threshold
   (within 10x), the quiet input one just short of it, so a threshold moved 10x either way is noticed.
3. One probe per rule, quiet phase then firing phase, asks promtool at every evaluation which alerts fire:
   the first firing evaluation, the alert's labels and its rendered annotations come from the real rule
   engine. The probe must agree with step 2 (nothing fires during the quiet phase, the alert fires in the
   firing phase); a rule where it does not is listed with the reason.
4. The test checks: quiet at the end of the quiet phase, not yet firing one evaluation before the
   firing time, firing with those labels and annotations at it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from promql_parser import Call, walk

from monsuite.generate.candidates import (as_judged, candidate_inputs, is_plausible, kept_above_zero, negative, steady_ms,
                                          with_mirrors)
from monsuite.generate.discriminating import Candidate, choose, describe, expression_mutants, told_apart
from monsuite.generate.inputs import ABSENCE, COMPARISONS, SECOND_INSTANCE, Design, Unsupported, design
from monsuite.deployed.rules import user_files
from monsuite.generate.promtool_batch import Results, run_probes, tagged
from monsuite.generate.series_notation import RATE_SCALE, phases
from monsuite.rules.model import Rule, load_rules
from monsuite.rules.references import parse, selectors
from monsuite.timescale import format_ms

INTERVAL_MS = 15_000  # input samples and the evaluation interval of groups that set none
LIVE_RATE_SCALE = 1000.0
MAX_VARIANTS = 4  # inputs per rule that fire it through one unknown alone
MAX_ONE_AWAY = 160  # inputs per rule one unknown away from the chosen ones, evaluated against its mutants
MAX_EVALUATIONS = 1500  # per generated test (6 h 15 m at 15 s): promtool evaluates every rule at each
CADENCES_MS = (60_000, 300_000, 900_000, 3_600_000)  # coarser test intervals for week-scale rules, finest first


@dataclass
class Generated:
    rule: Rule
    design: Design
    firing: dict
    quiet: dict | None
    test: dict  # a promtool test entry
    fires_at_ms: int
    quiet_until_ms: int
    alerts: list  # AlertEntry: what fires at fires_at_ms
    notes: list[str] = field(default_factory=list)
    via: str = ""  # set for a variant: what it shows ("through x alone", a guard held just past, then just short)
    live_rate_scale: float = 1.0  # how much faster a live fault may grow its counters (see _rate_scales)
    live: dict | None = None  # the input a live fault pushes, where it fires fewer other rules than `firing`
    collateral: list[str] = field(default_factory=list)  # other alert rules the live input makes hold too

    @property
    def live_firing(self) -> dict:
        """The input a live fault pushes, a moving series from where its input was judged (see as_judged)."""
        chosen = self.live if self.live is not None else self.firing
        return as_judged(self.design, chosen)


@dataclass
class Outcome:
    rule_files: list[Path]
    generated: list[Generated]
    unsupported: list[tuple[Rule, str]]

    @property
    def covered(self) -> list[str]:
        return list(dict.fromkeys(g.rule.alert for g in self.generated))

    @property
    def rules_covered(self) -> int:
        """Rules with a generated test (two rules sharing an alert name count twice)."""
        return len({id(g.rule) for g in self.generated})

    @property
    def alert_rules(self) -> int:
        return self.rules_covered + len(self.unsupported)

    @property
    def proportion(self) -> float:
        return self.rules_covered / self.alert_rules if self.alert_rules else 0.0


def generate(rule_files: list[Path], promtool: str = "promtool", also: tuple[str, ...] | None = None) -> Outcome:
    """``also``: further promtools (other Prometheus releases) the tests' timing must hold under; by default
    every other release monsuite knows of on this machine (Debian's, the built current one)."""
    from monsuite.components.release import promtools

    judges = [promtool, *(promtools(besides=promtool) if also is None else also)]
    rules = [r for path in rule_files for r in load_rules(path) if r.alert]
    unsupported: list[tuple[Rule, str]] = []
    designed: list[tuple[Rule, Design]] = []
    for rule in rules:
        try:
            shaped = design(rule.expr)
            shaped.interval_ms = _cadence(rule, shaped)
            designed.append((rule, shaped))
        except Unsupported as exc:
            unsupported.append((rule, str(exc)))
    chosen, live = _choose_inputs(designed, promtool, unsupported, rules)
    chosen += _with_windows_apart(unsupported, promtool, rules, live)
    generated = _timed_tests(chosen, rule_files, judges, unsupported, rules)
    scales = _rate_scales([(g.rule, g.design, g.firing) for g in generated if not g.via], promtool)
    for g in generated:
        g.live_rate_scale = scales.get(g.rule.alert, 1.0)
        if not g.via:
            g.live, g.collateral = live[g.rule.alert]
    order = {id(rule): i for i, rule in enumerate(rules)}
    unsupported[:] = [(rule, _namesakes_said(rule, why, rules)) for rule, why in unsupported]
    unsupported.sort(key=lambda item: order[id(item[0])])
    return Outcome(list(rule_files), generated, unsupported)


def _with_windows_apart(unsupported: list, promtool: str, rules: list[Rule], live: dict) -> list:
    """Rules no steady input fires, that read one metric over windows of different lengths: tried again with
    a past and a present (a rate over 15m twice its rate over a day). Those found leave ``unsupported``."""
    retried = []
    for rule, why in unsupported:
        if not why.startswith("no input found"):
            continue
        try:
            shaped = design(rule.expr, windows_apart=True)
            shaped.interval_ms = _cadence(rule, shaped)
        except Unsupported:
            continue
        if any(s.past_var is not None for s in shaped.series):
            retried.append((rule, shaped))
    still: list = []
    chosen, found = _choose_inputs(retried, promtool, still, rules)
    live.update(found)
    solved = {id(rule) for rule, _ in retried} - {id(rule) for rule, _ in still}
    unsupported[:] = [(rule, why) for rule, why in unsupported if id(rule) not in solved]
    return chosen


def _evaluations(rule: Rule, d: Design) -> int:
    return 2 * _phase_ms(rule, d) // _group_interval(rule, d)


def _cadence(rule: Rule, d: Design) -> int:
    """The interval of a rule's test samples and evaluations: 15 s, or for week-scale windows and `for` the
    finest of CADENCES_MS at which its test stays within MAX_EVALUATIONS while each range still holds three
    samples (a group with its own interval keeps it, so its test stays at 15 s)."""
    d.interval_ms = INTERVAL_MS
    needed = _evaluations(rule, d)
    if needed <= MAX_EVALUATIONS:
        return INTERVAL_MS
    for cadence in CADENCES_MS if not rule.group_interval_ms else ():
        d.interval_ms = cadence
        if d.shortest_window_ms and cadence * 3 > d.shortest_window_ms:
            break
        if _evaluations(rule, d) <= MAX_EVALUATIONS:
            return cadence
    d.interval_ms = INTERVAL_MS
    raise Unsupported(f"its test would need {needed} evaluations at {format_ms(INTERVAL_MS)} (`for` "
                      f"{format_ms(rule.for_ms)}, windows {format_ms(d.window_ms)}), over the {MAX_EVALUATIONS} a "
                      "generated test may take, and no coarser interval keeps three samples in each of its ranges"
                      + (f" (its group is evaluated every {format_ms(rule.group_interval_ms)})" if rule.group_interval_ms else ""))


def _namesakes_said(rule: Rule, why: str, rules: list[Rule]) -> str:
    """promtool's tests check alerts by name: where another rule fires under the same name and no fixed label
    tells their alerts apart, say so."""
    others = [r for r in rules if r.alert == rule.alert and r is not rule]
    if not others or _own_labels(rule, rules):
        return why
    where = ", ".join(f"group {r.group} in {Path(r.file).name}" for r in others)
    return (f"{why}; another alert rule has the same name ({where}) and no fixed label tells their alerts apart: "
            "promtool's tests check alerts by name, so its firing counts as this one's")


def unit_test_files(outcome: Outcome, path: Path) -> dict[Path, dict]:
    """The promtool test files for ``path``: the tests at 15 s in it, those of week-scale rules (one evaluation
    interval per file) beside it, named after their interval (``generated-test-every-15m.yml``)."""
    files = [_relative(f, path.parent) for f in user_files(outcome.rule_files)]  # a manifest, not its plain copy
    made = {}
    for interval in sorted({g.design.interval_ms for g in outcome.generated} | {INTERVAL_MS}):
        where = path if interval == INTERVAL_MS else path.with_name(f"{path.stem}-every-{format_ms(interval)}{path.suffix}")
        made[where] = {"rule_files": files, "evaluation_interval": format_ms(interval),
                       "tests": [g.test for g in outcome.generated if g.design.interval_ms == interval]}
    return made


def rendered_unit_tests(outcome: Outcome, path: Path, header: str = "") -> dict[Path, str]:
    """unit_test_files as the YAML text each file gets, ``header`` (comment lines) first."""
    return {where: header + yaml.safe_dump(document, sort_keys=False, width=100000, allow_unicode=True)
            for where, document in unit_test_files(outcome, path).items()}


def _relative(path: Path, base: Path) -> str:
    return os.path.relpath(path.resolve(), base.resolve())


# step 2: the firing and the quiet input


def _choose_inputs(designed, promtool: str, unsupported: list, rules: list[Rule]):
    """One promtool test per rule holds every candidate in its own time slot, long enough that the
    expression's windows at the slot's last sample see that candidate only. The same slots are read by the
    other alert rules that read the same metrics: a live fault should fire its own rule, not theirs too.

    Returns the chosen (rule, design, firing, quiet, guard pairs) and, per alert, the input a live fault pushes where
    one fires fewer other rules than the firing input (else None) with the other rules it fires."""
    tests, slots, mutant_lists = [], [], []
    for index, (rule, d) in enumerate(designed):
        d.phase_ms = _phase_ms(rule, d)
        assignments = candidate_inputs(d)
        slot = steady_ms(d)
        times = _slot_times(d, len(assignments))
        neighbours = _neighbours(rule, d, rules)
        name = _choice_test(rule, index)
        slots.append((name, assignments, times, neighbours))
        input_series = _input(d, assignments, [slot // d.interval_ms] * len(assignments))
        tests.append({"name": name, "interval": format_ms(d.interval_ms), "input_series": input_series,
                      "promql_expr_test": _asked(name, [d.measured, *([d.focus[0]] if d.focus else []),
                                                        *(g for g, _ in d.guards), *neighbours.values()], times)})
        found = expression_mutants(rule)
        # against the mutants, the inputs without a negative value (plausible ones, which tests prefer), in a
        # test of their own: a mutant that fails to evaluate is no error of the rule's
        plausible = [a for a in assignments if is_plausible(d, a)] or assignments
        mutant_lists.append((found, plausible, _slot_times(d, len(plausible))))
        if found:
            tests.append({"name": _mutants_test(name), "interval": format_ms(d.interval_ms),
                          "input_series": _input(d, plausible, [slot // d.interval_ms] * len(plausible)),
                          "promql_expr_test": _asked(_mutants_test(name), [rule.expr, *(m.expr for m in found)],
                                                     _slot_times(d, len(plausible)))})
    results = _run_at_intervals(tests, [], promtool)
    chosen, live, telling = [], {}, []
    for (rule, d), (name, assignments, times, neighbours), (found, plausible, plausible_times) in zip(designed, slots, mutant_lists):
        candidates = [(a, results.values(name, d.measured, t), results.values(name, d.focus[0], t) if d.focus else [])
                      for a, t in zip(assignments, times)]
        collateral = [sorted(other for other, expr in neighbours.items() if results.values(name, expr, t))
                      for t in times]
        firing = _best(d, candidates, firing=True)
        if firing is None:
            unsupported.append((rule, "no input found that makes it hold on series as a scrape gives them"
                                      f" ({len(candidates)} tried{_error_note(results, name)})"))
            continue
        fired_too = dict(zip(map(id, assignments), collateral))
        second = {s.var for s in d.series if s.labels.get("instance") == SECOND_INSTANCE}

        def live_cost(a: dict) -> tuple[bool, int]:  # a push carries one instance; then fewer other rules fired
            return any(a.get(v) is not None for v in second), len(fired_too[id(a)])

        calm = _best(d, candidates, firing=True, cost=live_cost)
        quiet = _best(d, candidates, firing=False)
        live_input = calm if live_cost(calm) < live_cost(firing) else None
        live[rule.alert] = (None if live_input is None else with_mirrors(d, live_input, quiet),
                            fired_too[id(live_input if live_input is not None else firing)])
        guarded = _guard_pairs(d, candidates, [[results.values(name, g, t) for g, _ in d.guards]
                                               for t in times]) if quiet is not None and d.focus else []
        evaluated = _evaluated(d, found, results, _mutants_test(name), plausible, plausible_times)
        telling.append(_Search(d, found, evaluated, firing, quiet, list(guarded), guarded))
        if quiet is not None:
            firing, quiet = with_mirrors(d, firing, quiet), with_mirrors(d, quiet, firing)
        chosen.append((rule, d, firing, quiet, guarded))
    _evaluate_one_unknown_away(telling, promtool)
    for search, (_, _, mirrored_firing, mirrored_quiet, _) in zip(telling, chosen):
        search.guarded += [(via, mirrored_firing if high is None else high, mirrored_quiet if low is None else low)
                           for via, high, low in _telling(search)]
    return chosen, live


def _slot_times(d: Design, count: int) -> list[int]:
    """The evaluation times of ``count`` inputs held one after another, each for a slot long enough that
    the expression's windows at its last sample see that input only."""
    slot = steady_ms(d)
    return [(k + 1) * slot - d.interval_ms for k in range(count)]


def _asked(test: str, exprs: list[str], times: list[int]) -> list[dict]:
    return [{"expr": tagged(expr, test), "eval_time": format_ms(t), "exp_samples": []} for expr in exprs for t in times]


def _mutants_test(name: str) -> str:
    return f"{name} against its mutants"


def _evaluated(d: Design, found: list, results: Results, test: str, assignments: list[dict],
               times: list[int]) -> list[Candidate]:
    """Each input with the mutants it tells apart (see discriminating.py)."""
    if not found:
        return []
    rule_expr = found[0].rule.expr
    made = []
    for assignment, t in zip(assignments, times):
        rule_sets = results.label_sets(test, rule_expr, t)
        told = told_apart(rule_sets, [results.label_sets(test, m.expr, t) for m in found])
        made.append(Candidate(assignment, bool(rule_sets), told, (negative(d, assignment), _absent(assignment))))
    return made


@dataclass
class _Search:
    """One rule's inputs against its mutants: the candidates ``evaluated`` (each with the mutants it tells
    apart), the chosen ``firing`` and ``quiet`` inputs and the guard ``pairs`` chosen before; ``guarded``: the
    rule's further (via, firing, quiet) inputs, which the inputs telling the rest apart join."""
    d: Design
    found: list
    evaluated: list[Candidate]
    firing: dict
    quiet: dict | None
    pairs: list
    guarded: list


def _evaluate_one_unknown_away(telling: list[_Search], promtool: str) -> None:
    """The candidates are a sample of every combination; the inputs that tell a mutant apart often lie one
    unknown away from the chosen ones: the quiet input's ratio at 30 % where the firing one is at 10 % while
    the other comparisons still hold (a threshold moved 10x), a decoy away from the series it mirrors (a
    dropped matcher on the right of an `unless` shows only then). Those are evaluated against the mutants too."""
    tests, asked = [], []
    for index, search in enumerate(telling):
        d, found = search.d, search.found
        near = _one_unknown_away(d, [search.firing, *([search.quiet] if search.quiet is not None else [])]) if found else []
        if not near:
            continue
        times = _slot_times(d, len(near))
        name = f"one unknown away {index}"
        tests.append({"name": name, "interval": format_ms(d.interval_ms),
                      "input_series": _input(d, near, [steady_ms(d) // d.interval_ms] * len(near)),
                      "promql_expr_test": _asked(name, [found[0].rule.expr, *(m.expr for m in found)], times)})
        asked.append((index, name, near, times))
    results = _run_at_intervals(tests, [], promtool)
    for index, name, near, times in asked:
        search = telling[index]
        search.evaluated += _evaluated(search.d, search.found, results, name, near, times)


def _one_unknown_away(d: Design, bases: list[dict]) -> list[dict]:
    """The inputs with one unknown (or one decoy) set to another of its plausible values; decoys first."""
    seen = [dict(base) for base in bases]
    made: list[dict] = []
    decoys = [i for i, v in enumerate(d.variables) if v.mirrors is not None]
    searched = [i for i, v in enumerate(d.variables) if v.mirrors is None]
    for i in decoys + searched:
        mirrored = d.variables[i].mirrors
        values = d.variables[i if mirrored is None else mirrored].candidates
        for base in bases:
            for value in values:
                if value == base.get(i) or not is_plausible(d, {i: value}):
                    continue
                moved = {**base, i: value} if mirrored is not None else with_mirrors(d, {**_searched_only(d, base), i: value})
                if moved not in seen:
                    seen.append(moved)
                    made.append(moved)
    return made[:MAX_ONE_AWAY]


def _searched_only(d: Design, assignment: dict) -> dict:
    return {i: v for i, v in assignment.items() if d.variables[i].mirrors is None}


def _telling(search: _Search) -> list[tuple[str, dict | None, dict | None]]:
    """(what it tells apart, firing input or None for the chosen one, quiet input or None for the chosen one):
    inputs that tell apart the mutants the chosen inputs (``firing``, ``quiet`` and the further ``pairs``) do
    not (see discriminating.py)."""
    d, firing, quiet, pairs = search.d, search.firing, search.quiet, search.pairs
    searched = [i for i, v in enumerate(d.variables) if v.mirrors is None]

    def key(assignment: dict) -> tuple:
        return tuple(assignment.get(i) for i in searched)

    used = {key(a) for a in [firing, *([quiet] if quiet is not None else []), *(x for _, high, low in pairs for x in (high, low))]}
    if quiet is not None:
        used |= {key({**quiet, i: firing[i]}) for i in searched}
    already = set().union(*(c.told for c in search.evaluated if key(c.assignment) in used and _mirrored(d, c.assignment)))
    made, named = [], {via for via, _, _ in pairs}
    for picked in choose(search.evaluated, already):
        via = describe(search.found, picked.told, already)
        if via in named:  # two mutants alike in words (one metric read twice): the test and probe names stay apart
            via += f" (#{sum(v.startswith(via) for v in named) + 1})"
        named.add(via)
        already |= picked.told
        made.append((via, picked.assignment, None) if picked.fires else (via, None, picked.assignment))
    return made


def _mirrored(d: Design, assignment: dict) -> bool:
    """Whether every decoy holds the value of the series it mirrors (not moved away from it)."""
    return all(assignment.get(i) == assignment.get(v.mirrors) for i, v in enumerate(d.variables) if v.mirrors is not None)


def _guard_pairs(d: Design, candidates: list, guard_values: list[list[list[float]]]) -> list[tuple[str, dict, dict]]:
    """Per comparison joined by `and` (`a / b < 0.1 and x == 0`), the first included: (what it is, an input that
    fires with its value just past its threshold, one where every other comparison holds and its value is
    just short of it), so each threshold moved either way is noticed, not hidden behind another comparison
    that keeps the quiet input quiet. ``guard_values``: per candidate, per guard, its values."""
    clauses = [d.focus, *d.guards]
    made = []
    for index, (expr, comparison) in enumerate(clauses):
        firing, quiet = [], []
        for (assignment, values, focused), guards in zip(candidates, guard_values):
            per_clause = [focused, *guards]
            own = [v for v in per_clause[index] if math.isfinite(v)]
            if not own or len(own) != len(per_clause[index]):
                continue
            holding = [v for v in own if COMPARISONS[comparison[0]](v, comparison[1])]
            others_hold = all(any(COMPARISONS[op](v, threshold) for v in per_clause[k] if not math.isnan(v))  # x / 0 holds
                              for k, (_, (op, threshold)) in enumerate(clauses) if k != index)
            rank = (negative(d, assignment), _distance(comparison, holding or own, bool(holding)), _absent(assignment))
            if values and holding:
                firing.append((rank, assignment))
            elif not values and not holding and others_hold:
                quiet.append((rank, assignment))
        if firing and quiet:
            high = min(firing, key=lambda item: item[0])[1]
            low = min(quiet, key=lambda item: item[0])[1]
            made.append((f"with {expr} {comparison[0]} {comparison[1]:g} just held, then just not",
                         with_mirrors(d, high, low), with_mirrors(d, low, high)))
    return made


def _fires_on_absence(expr: str) -> bool:
    """absent(): such a rule holds in a probe wherever its own series are missing, whatever the input."""
    found = []
    walk(parse(expr), lambda node: found.append(isinstance(node, Call) and node.func.name in ABSENCE) or True)
    return any(found)


def _neighbours(rule: Rule, d: Design, rules: list[Rule]) -> dict[str, str]:
    """alert -> its expression, for the other alert rules that read a metric this rule's input writes (each
    probe tags its expressions with its own test)."""
    written = {s.metric for s in d.series}
    found = {}
    for other in rules:
        if other.alert == rule.alert or other.alert in found:
            continue
        try:
            read = {s.metric for s in selectors(other.expr)}
        except ValueError:
            continue
        if read & written and not _fires_on_absence(other.expr):
            found[other.alert] = other.expr
    return found


def _rate_scales(chosen: list[tuple[Rule, Design, dict]], promtool: str) -> dict[str, float]:
    """For each rule whose compared value stays the same when every counter grows LIVE_RATE_SCALE times
    faster (a ratio of rates, a quantile of a histogram), that factor: a live fault then outweighs the
    stack's own series of the same metrics (a real service's traffic) instead of being diluted by them."""
    tests, slots = [], []
    for index, (rule, d, firing) in enumerate(chosen):
        if not any(s.kind in ("counter", "bucket") for s in d.series):
            continue
        slot = steady_ms(d)
        times = [slot - d.interval_ms, 2 * slot - d.interval_ms]
        assignments = [firing, {**firing, RATE_SCALE: LIVE_RATE_SCALE}]
        name = f"scale {rule.alert} ({index})"
        slots.append((rule, d, name, times))
        tests.append({"name": name, "interval": format_ms(d.interval_ms),
                      "input_series": _input(d, assignments, [slot // d.interval_ms] * 2),
                      "promql_expr_test": [{"expr": tagged(d.measured, name), "eval_time": format_ms(t), "exp_samples": []}
                                           for t in times]})
    results = _run_at_intervals(tests, [], promtool)
    scales = {}
    for rule, d, name, (plain, scaled) in slots:
        before, after = sorted(results.values(name, d.measured, plain)), sorted(results.values(name, d.measured, scaled))
        if before and len(before) == len(after) and all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(before, after)):
            scales[rule.alert] = LIVE_RATE_SCALE
    return scales


def _probe_test(rule: Rule, index: int, via: str) -> str:
    """The name of a rule's probe: its own, also where two rules share an alert name (promtool's results are
    told apart by test name and alert name only)."""
    return f"probe {rule.alert} ({index}) {via}"


def _choice_test(rule: Rule, index: int) -> str:
    """The name of a rule's candidate test: its own, also where two rules share an alert name."""
    return f"choose {rule.alert} ({index})"


def _error_note(results: Results, test: str) -> str:
    errors = [m for name, m in results.errors.items() if name == test]
    return f"; promtool: {errors[0]}" if errors else ""


def _best(d: Design, candidates: list, firing: bool, cost=lambda assignment: 0) -> dict | None:
    """``cost``: ranked right after plausibility (fewer negative values), before the distance to the threshold."""
    scored = []
    for assignment, values, focused in candidates:
        finite = [v for v in values if math.isfinite(v)]
        holding = [v for v in finite if d.holds(v)]
        if firing and holding and len(finite) == len(values):
            distance = _distance(d.comparison, holding, True) if d.comparison else _focus_distance(d, focused, True)
            scored.append((negative(d, assignment), cost(assignment), distance, _absent(assignment), assignment))
        elif not firing and not holding and len(finite) == len(values):
            if finite or d.comparison is None:
                distance = _distance(d.comparison, finite, False) if d.comparison else _focus_distance(d, focused, False)
            else:  # nothing to compare (count(up == 0) of no target down): quiet, after every input with a value
                distance = math.inf
            scored.append((negative(d, assignment), cost(assignment), distance, _absent(assignment), assignment))
    if not scored:
        return None
    return min(scored, key=lambda item: item[:4])[4]


def _absent(assignment: dict) -> int:
    return sum(v is None for v in assignment.values())


def _focus_distance(d: Design, values: list[float], firing: bool) -> float:
    """With a focus comparison: how far its compared values are from just past or just short of its threshold
    (an input where that part has no value ranks after every one where it has)."""
    if d.focus is None:
        return 0.0
    op, threshold = d.focus[1]
    finite = [v for v in values if math.isfinite(v) and (not firing or COMPARISONS[op](v, threshold))]
    return _distance(d.focus[1], finite, firing) if finite else math.inf


def _distance(comparison: tuple[str, float] | None, values: list[float], firing: bool) -> float:
    """How far the compared values are from just past (firing) or just short of (quiet) the threshold."""
    if comparison is None or not values:
        return 0.0
    op, threshold = comparison
    above = op in (">", ">=", "!=") if firing else op in ("<", "<=", "==")
    target = threshold * 2 if above else threshold / 2
    if threshold == 0:
        target = 1.0 if above else -1.0 if op in ("<", "<=") and firing else 0.0
    worst = 0.0
    for v in values:
        if v > 0 and target > 0:
            worst = max(worst, abs(math.log(v / target)))
        else:
            worst = max(worst, abs(v - target) + (10.0 if (v > 0) != (target > 0) and target else 0.0))
    return worst


def _input(d: Design, assignments: list[dict], steps: list[int]) -> list[dict]:
    rendered = []
    for series in d.series:
        values = phases(series, assignments, steps, d.interval_ms / 1000, -(-d.recent_ms // d.interval_ms))
        if values:
            rendered.append({"series": series.selector(), "values": values})
    return rendered


# steps 3 and 4: when it fires, with which labels and annotations


def _group_interval(rule: Rule, d: Design) -> int:
    return rule.group_interval_ms or d.interval_ms


def _phase_ms(rule: Rule, d: Design) -> int:
    length = steady_ms(d) + rule.for_ms + 4 * _group_interval(rule, d)
    return -(-length // d.interval_ms) * d.interval_ms


def _variants(d: Design, firing: dict, quiet: dict | None, further: list) -> list[tuple[str, dict, dict | None]]:
    """(what it shows, firing input, quiet input): the chosen pair; where the quiet input exists, the quiet
    input with one unknown at a time set to its firing value (an `or`, or a ratio, can then be seen firing
    through each part alone); and the further pairs (each guard's, see _guard_pairs, and those that tell
    mutants apart, see _telling)."""
    variants = [("", firing, quiet)]
    searched = [i for i, v in enumerate(d.variables) if v.mirrors is None and firing[i] != quiet[i]] if quiet is not None else []
    if len(searched) > 1:
        for i in searched[:MAX_VARIANTS]:
            alone = kept_above_zero(d, _searched_only(d, {**quiet, i: firing[i]}))
            variants.append((f"through {d.variables[i].describes} alone", with_mirrors(d, alone, quiet), quiet))
    return variants + [(via, high, low) for via, high, low in further if (high, low) != (firing, quiet)]


def _own_labels(rule: Rule, rules: list[Rule]) -> dict | None:
    """The fixed labels that tell this rule's alerts from those of every other rule of its name (a warning
    and a critical threshold); {} where it has no namesake; None where nothing tells them apart."""
    namesakes = [r for r in rules if r.alert == rule.alert and r is not rule]
    fixed = {k: v for k, v in rule.labels.items() if "{{" not in str(v)}
    if not namesakes:
        return {}
    if all(any(k in r.labels and "{{" not in str(r.labels[k]) and r.labels[k] != v for k, v in fixed.items())
           for r in namesakes):
        return fixed
    return None


def _split_by_rule(seen: list[list], own: dict) -> tuple[list[list], list[list]]:
    """Each release's alerts of the name: this rule's (carrying its own labels), and its namesakes'."""
    def mine(alert) -> bool:
        return all(alert.labels.get(k) == v for k, v in own.items())
    return [[a for a in s if mine(a)] for s in seen], [[a for a in s if not mine(a)] for s in seen]


def _timed_tests(chosen, rule_files: list[Path], promtools: list[str], unsupported: list,
                 rules: list[Rule]) -> list[Generated]:
    """Each probe judged by every promtool: Prometheus 3 reads range selectors left-open, so a rule may fire
    one evaluation earlier than under 2.x; a test checks only times at which all of them agree."""
    probes = []
    for index, (rule, d, firing, quiet, guarded) in enumerate(chosen):
        phase = _phase_ms(rule, d)
        checks = [{"eval_time": format_ms(t), "alertname": rule.alert, "exp_alerts": []}
                  for t in _probe_times(rule, d, quiet is not None)]
        for via, variant, calm in _variants(d, firing, quiet, guarded):
            probes.append({"name": _probe_test(rule, index, via), "interval": format_ms(d.interval_ms),
                           "input_series": _phased_input(d, variant, calm, phase), "alert_rule_test": checks})
    judged = [_run_at_intervals(probes, rule_files, promtool) for promtool in promtools]
    generated = []
    for index, (rule, d, firing, quiet, guarded) in enumerate(chosen):
        own = _own_labels(rule, rules)
        for via, variant, calm in _variants(d, firing, quiet, guarded):
            timeline, namesakes = [], {}
            for t in _probe_times(rule, d, quiet is not None):
                seen = [results.alerts.get((_probe_test(rule, index, via), rule.alert, t), []) for results in judged]
                if own:  # a namesake's alerts are expected beside this rule's, never judged as its own
                    seen, namesakes[t] = _split_by_rule(seen, own)
                timeline.append((t, seen))
            made = _judged(rule, d, variant, calm, timeline, via, namesakes)
            if isinstance(made, Generated):
                generated.append(made)
            elif not via:
                unsupported.append((rule, made))
                break
    return generated


def _run_at_intervals(probes: list[dict], rule_files: list[Path], promtool: str) -> Results:
    """Probes evaluated at their own test's interval (the sample interval each declares): promtool steps through
    every evaluation up to the last time a test asks about, so a week at 15 s would take minutes."""
    results = Results()
    for interval in sorted({probe["interval"] for probe in probes}):
        results.merge(run_probes([p for p in probes if p["interval"] == interval], rule_files,
                                 evaluation_interval=interval, promtool=promtool))
    return results


def _probe_times(rule: Rule, d: Design, calms_down: bool = False) -> range:
    """Every evaluation of the probe: quiet, firing and, where a quiet input exists, quiet again."""
    group = _group_interval(rule, d)
    return range(group, (3 if calms_down else 2) * _phase_ms(rule, d), group)


def _judged(rule: Rule, d: Design, firing: dict, quiet: dict | None, timeline: list, via: str,
            namesakes: dict | None = None) -> Generated | str:
    """The test for one input, or why there is none. ``timeline``: (time, the alerts of this rule each promtool
    saw); ``namesakes``: per time, the alerts other rules of its name fired then, per promtool."""
    phase = _phase_ms(rule, d)
    quiet_end = max(t for t, _ in timeline if t < phase) if quiet is not None else 0
    # before its windows have filled, a rule reads a history that has just begun (a day's rate over five
    # minutes of samples), as after a restart: the quiet input must be quiet from then on
    early = [t for t, seen in timeline if any(seen) and d.window_ms <= t <= quiet_end]
    fires = [t for t, seen in timeline if t > quiet_end and all(seen) and all(a == seen[0] for a in seen)]
    if early:
        return (f"promtool fires it during the quiet input (at {format_ms(early[0])}): "
                "the quiet input found for it is not quiet under the rule engine")
    judge = any
    if not fires:  # the releases' values differ (annotations): the test holds under the first promtool only
        fires, judge = [t for t, seen in timeline if t > quiet_end and seen[0]], lambda seen: seen[0]
    if not fires:
        return ("promtool never fires it on the firing input (it may need the whole rule file's other rules, "
                "or more time than the input covers)")
    quiet_before = [t for t, seen in timeline if quiet_end < t < fires[0] and not any(seen)]  # under every release
    made = _test(rule, d, firing, quiet, phase, quiet_end, fires[0], dict(timeline)[fires[0]][0], via,
                 not_yet=quiet_before[-1] if quiet_before else None, resolution=_resolution(timeline, fires[0], 2 * phase),
                 namesakes=namesakes)
    if isinstance(made, str):
        return made
    if judge is not any:
        made.notes.append("Prometheus releases fire it with different alerts here (values in annotations): "
                          "the test holds under the first promtool")
    return made


def _resolution(timeline: list, fires_at: int, calm_from: int) -> tuple[int, list, int] | None:
    """Once the quiet input is back: (the last evaluation every release still fires it, with those alerts, the
    first at which none does); None where it stops firing before the quiet input returns, or never does."""
    firing = dict(timeline)
    resolved = [t for t, seen in timeline if t > fires_at and not any(seen)]
    if not resolved or resolved[0] < calm_from:
        return None
    still = [t for t, seen in timeline if fires_at <= t < resolved[0] and all(seen) and all(a == seen[0] for a in seen)]
    return (still[-1], firing[still[-1]][0], resolved[0]) if still else None


def _phased_input(d: Design, firing: dict, quiet: dict | None, phase: int) -> list[dict]:
    """Quiet for one phase, firing for one, quiet again for the third (no quiet input: firing throughout)."""
    if quiet is None:
        return _input(d, [firing], [2 * phase // d.interval_ms + 2])
    steps = phase // d.interval_ms
    return _input(d, [quiet, firing, with_mirrors(d, quiet, firing)], [steps, steps, steps + 2])


def _test(rule: Rule, d: Design, firing: dict, quiet: dict | None, phase: int, quiet_end: int, fires_at: int,
          alerts: list, via: str = "", not_yet: int | None = None, resolution: tuple | None = None,
          namesakes: dict | None = None) -> Generated | str:
    """``not_yet``: the last evaluation before ``fires_at`` at which no Prometheus release fires it;
    ``resolution``: (still firing at, its alerts then, resolved at) once the quiet input is back, so a
    window or a `keep_firing_for` that holds the alert longer (or shorter) is noticed too; ``namesakes``: the
    alerts other rules of its name fire at each time (promtool checks alerts by name: they are expected too)."""
    wanted = [(quiet_end, []) if quiet is not None else None,
              (not_yet, []) if not_yet is not None and not_yet > quiet_end else None, (fires_at, alerts)]
    if resolution is not None:
        still_at, still_alerts, resolved_at = resolution
        wanted += [(still_at, still_alerts) if still_at > fires_at else None, (resolved_at, [])]
    checks = []
    for at, expected in filter(None, wanted):
        others = (namesakes or {}).get(at, [[]])
        if any(o != others[0] for o in others):
            return f"another rule of its name fires at {format_ms(at)} with alerts that differ between Prometheus releases"
        checks.append({"eval_time": format_ms(at), "alertname": rule.alert,
                       "exp_alerts": [{"exp_labels": a.labels, "exp_annotations": a.annotations} for a in expected + others[0]]})
    notes = [f"annotation {k} does not render: {v}" for a in alerts for k, v in a.annotations.items()
             if "error expanding template" in v or "<no value>" in v]
    name = (f"{rule.alert}: quiet until {format_ms(phase)}, then fires at {format_ms(fires_at)}"
            + (f", resolved at {format_ms(resolution[2])}" if resolution is not None else "")
            if quiet is not None else f"{rule.alert}: fires at {format_ms(fires_at)}")
    if via:
        name += f" {via}"
    test = {"name": name, "interval": format_ms(d.interval_ms),
            "input_series": _phased_input(d, firing, quiet, phase), "alert_rule_test": checks}
    return Generated(rule, d, firing, quiet, test, fires_at, quiet_end, alerts, notes, via)

