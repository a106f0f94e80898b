"""Live scenarios from generated tests: the firing input, written into the running stack.

Series go through the Pushgateway (under the job label the rule matches, each scenario its own instance);
a rule on `up{job="X"} == 0` stops the component the stack scrapes as job X, since no push can take a target
down.
Receivers are the ones the stack's routes.yaml says the alert's labels reach.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import promql_parser
import yaml

from monsuite.generate.generator import Generated
from monsuite.rules.references import selectors
from monsuite.generate.inputs import DEFAULT_INSTANCE, DEFAULT_JOB, SECOND_INSTANCE, bucket_rate
from monsuite.timescale import format_ms

BUDGET = "40s"  # firing -> delivered: the seeds' 30 s target plus the stack's group_wait
MIN_RESET_PERIOD_MS = 1000  # a pushed counter's drops, compressed: four scrapes apart in the ci profile (250 ms)
LONGEST_PAST_MS = 180_000  # a past pushed first, as the profile compresses it; a longer one is for `history:`
PAST_RATE_FLOOR = 1000.0  # per second: a past compared without a fixed scale outweighs the stack's own traffic


class NotLive(ValueError):
    pass


TEMPLATE_MARKERS = ("{{", "{%", "{#")


def scenario_name(alert: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", alert).lower().replace("_", "-")


def static_values(mapping: dict) -> dict:
    """Labels or annotations without a template: what the delivered alert must carry as written."""
    return {k: v for k, v in mapping.items() if not any(m in str(v) for m in TEMPLATE_MARKERS)}


def scrape_jobs(prometheus_template: Path) -> dict[str, str]:
    """job name -> the stack component it scrapes: the template is rendered with every
    `components.NAME.<anything>` standing for NAME, then its targets are read."""
    try:
        text = jinja2.Environment(undefined=jinja2.ChainableUndefined).from_string(
            prometheus_template.read_text()).render(components=_ComponentNames())
        config = yaml.safe_load(text) or {}
    except (OSError, jinja2.TemplateError, yaml.YAMLError):
        return {}
    jobs = {}
    for job in config.get("scrape_configs") or []:
        for static in job.get("static_configs") or []:
            for target in static.get("targets") or []:
                _, found, name = str(target).partition(_COMPONENT)
                if found and job.get("job_name"):
                    jobs.setdefault(job["job_name"], name.split("/")[0])
    return jobs


_COMPONENT = "component-"


class _ComponentNames(dict):
    def __missing__(self, name: str) -> dict:
        return _Named(name)

    def __contains__(self, _name) -> bool:  # `{% if 'x' in components %}` sections count
        return True


class _Named(dict):
    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def __missing__(self, _attribute: str) -> str:
        return f"{_COMPONENT}{self.name}"


def live_scenario(generated: Generated, routes: list[dict], components: set[str], jobs: dict[str, str],
                  time_scale: float = 1.0, budget: str = BUDGET) -> dict:
    """The live scenario of a generated input, for a stack whose compressed profile divides every PromQL
    window by ``time_scale``: a counter read through increase() against a `>` threshold then grows that much
    faster, so the increase over the shortened window is the one the rule was written for (a rate() needs no
    change; the real profile sees more than enough)."""
    rule = generated.rule
    receivers = _receivers(generated, routes)
    fault, uses, keeps_instance = _fault(generated, components, jobs, time_scale)
    scenario = {
        "name": scenario_name(rule.alert),
        "alert": rule.alert,
        "description": f"generated: {_described(generated)}",
        "fault": fault,
        "needs": sorted({"pushgateway"} if "push" in fault else {fault["stop"]}),
        "uses": uses,
        # a stopped component disturbs every other scenario that reads it (its probe, its scrapes): alone
        "exclusive": True if "stop" in fault else None,
        "labels": static_values(rule.labels),
        "annotations": static_values(rule.annotations),
        "receivers": receivers,
        "ramp": format_ms(generated.design.window_ms) if generated.design.window_ms else None,
        "budget": budget,
        "keeps_instance": None if keeps_instance else False,
    }
    return {k: v for k, v in scenario.items() if v not in ({}, None, [])}


def _fault(generated: Generated, components: set[str], jobs: dict[str, str], time_scale: float) -> tuple[dict, list, bool]:
    series = generated.design.series
    firing = generated.live_firing
    quiet = generated.quiet or {}

    def lowered(s) -> bool:
        """An `up` series the rule needs lower than when quiet: targets down. A pushed `up` of a job the
        stack scrapes would only add to its real targets' (sum(up{job="workers"}) < 2 stays at 3 + 1)."""
        level = firing[s.var]
        if level == 0:
            return True
        return s.labels.get("job") in jobs and level is not None and quiet.get(s.var) is not None and level < quiet[s.var]

    targets_down = [s for s in series if s.metric == "up" and s.labels.get("job") != DEFAULT_JOB
                    and not s.labels["job"].endswith("-other") and lowered(s)]
    if targets_down:
        job = targets_down[0].labels["job"]
        component = jobs.get(job)
        if component not in components:
            raise NotLive(f"it fires when job {job!r} is down, and no component of the stack is scraped as {job!r}")
        return {"stop": component}, [f"component.{component}"], True
    variables = generated.design.variables
    absent = [s for s in series if firing[s.var] is None and quiet.get(s.var) is not None
              and variables[s.var].mirrors is None]  # a decoy is never pushed
    if absent:
        raise NotLive(f"it fires while {absent[0].metric} is absent: a push cannot take a series away, and a stack "
                      "that does not export it has the alert firing from the start")
    jobs = {s.labels.get("job") for s in series if firing[s.var] is not None} - {None}
    main_jobs = {j for j in jobs if not j.endswith("-other") and j != DEFAULT_JOB}
    if len(main_jobs) > 1:
        raise NotLive(f"its series need several job labels ({', '.join(sorted(main_jobs))}); a push carries one")
    if any(s.labels.get("instance") == SECOND_INSTANCE and firing[s.var] is not None for s in series):
        raise NotLive("it tells series of several instances apart (count, or a series against its aggregate); "
                      "a push carries one instance")
    if any(s.labels.get("instance") not in (DEFAULT_INSTANCE, SECOND_INSTANCE) for s in series):
        raise NotLive("it matches the instance label, which a pushed series cannot choose")
    pushed = []
    past_ms = _past_ms(generated, time_scale)
    # only where more growth still fires (a `>` threshold), so the scenario holds in the real profile too
    rising = generated.design.comparison is not None and generated.design.comparison[0] in (">", ">=")
    increased = read_through_increase(generated.rule.expr) if rising else set()
    boost = _past_boost(generated)
    for s in series:
        level = firing[s.var]
        if level is None or s.labels.get("job", "").endswith("-other"):
            continue
        labels = {k: v for k, v in s.labels.items() if k not in ("job", "instance")}
        if s.le is not None:
            labels["le"] = s.le
        entry = {"name": s.metric, **({"labels": labels} if labels else {})}
        if s.kind == "resetting":
            entry.update(_resetting(s, level, quiet.get(s.var), time_scale))
            pushed.append(entry)
            continue
        if s.kind == "clock":
            raise NotLive(f"{s.metric} holds a moment (read beside time()): a push cannot follow the stack's clock")
        if s.kind == "gauge":
            entry["value"] = level
        elif s.kind == "slope":
            entry.update(value=level, rate=firing[s.slope_var])
        else:
            growth = generated.live_rate_scale * boost * (time_scale if s.metric in increased else 1.0)
            entry.update(value=0, rate=_counter_rate(s, level) * growth)
            if s.past_var is not None:
                entry["past"] = {"rate": _counter_rate(s, firing[s.past_var]) * growth}
        if s.past_var is not None and "past" not in entry:
            slope = {"rate": firing[s.slope_var]} if s.kind == "slope" else {}
            entry["past"] = {"value": firing[s.past_var], **slope}
        pushed.append(entry)
    if not pushed:
        raise NotLive("it fires while its series are absent: a stack that does not export them has it firing "
                      "from the start, and a push can only end it")
    job = main_jobs.pop() if main_jobs else DEFAULT_JOB
    fault = {"push": {"series": pushed, **({"job": job} if job != DEFAULT_JOB else {}),
                      **({"past_for": format_ms(past_ms)} if past_ms else {})}}
    keeps_instance = all("instance" in alert.labels for alert in generated.alerts)
    return fault, sorted({f"series.{s['name']}" for s in pushed}), keeps_instance


def _resetting(s, resets_per_second: float, quiet: float | None, time_scale: float) -> dict:
    """A counter growing by one a second that drops back to 0 about ``resets_per_second`` times a second of the
    rule's time (its design's sawtooth). Live, a window holds one reset more or fewer depending on where the
    drops fall: the design's count may sit right at the threshold, so the pushed one goes twice as far from
    the quiet input (twice the resets, or half). A drop needs samples on both sides of it, so the period,
    compressed by the profile, must hold several scrapes."""
    if resets_per_second <= 0:
        return {"value": 0, "rate": 1}
    resets_per_second *= 0.5 if quiet is not None and resets_per_second < quiet else 2.0
    period_ms = int(1000 / resets_per_second)
    if period_ms / time_scale < MIN_RESET_PERIOD_MS:
        raise NotLive(f"{s.metric} must drop back to 0 every {format_ms(period_ms)}, "
                      f"{format_ms(int(period_ms / time_scale))} at the profile's time scale ({time_scale:g}): "
                      f"too often for a scrape to see each drop (at least {format_ms(MIN_RESET_PERIOD_MS)})")
    return {"value": 0, "rate": 1, "resets_every": format_ms(period_ms)}


def _counter_rate(s, level: float) -> float:
    return bucket_rate(s, level) if s.kind == "bucket" else level


def _past_ms(generated: Generated, time_scale: float) -> int:
    """How long the past of a rule reading an offset is pushed before its present (real time), as its generated
    test holds it: every window read at the offset sees the past alone once the present has filled the windows
    read now. Refused where the profile would still wait longer than LONGEST_PAST_MS for it."""
    design = generated.design
    if not any(s.past_var is not None for s in design.series):
        return 0
    past_ms = design.window_ms - design.recent_ms
    if past_ms / time_scale > LONGEST_PAST_MS:
        raise NotLive(f"its past lasts {format_ms(past_ms)}, {format_ms(int(past_ms / time_scale))} at the profile's "
                      f"time scale ({time_scale:g}): longer than a campaign waits ({format_ms(LONGEST_PAST_MS)}); "
                      "write it before the start as the scenario's `history:`")
    return past_ms


def _past_boost(generated: Generated) -> float:
    """How much more than its live scale a counter with a past grows live. A rule comparing a rate with its
    own past (`rate(x[5m]) < 0.5 * rate(x[1h] offset 1h)`) that fired unchanged at LIVE_RATE_SCALE times the
    rates compares them without a fixed scale; the stack's own series of the metric (a service's traffic)
    add the same to the past and the present and would blur the difference, unless the past outweighs them."""
    if generated.live_rate_scale <= 1:
        return 1.0
    firing = generated.live_firing
    past_rates = [firing[s.past_var] * generated.live_rate_scale for s in generated.design.series
                  if s.past_var is not None and s.kind in ("counter", "bucket") and firing.get(s.past_var)]
    return max(1.0, PAST_RATE_FLOOR / max(past_rates)) if past_rates else 1.0


def _receivers(generated: Generated, routes: list[dict]) -> list[str]:
    """The receivers of the routes.yaml entry for the alert by name, or else of the most specific entry
    whose labels the alert carries (as the rule engine rendered them in the generated test)."""
    rule = generated.rule
    rendered = generated.alerts[0].labels if generated.alerts else {}
    labels = {**{k: str(v) for k, v in rule.labels.items()}, **rendered, "alertname": rule.alert}
    named = [r for r in routes if (r.get("labels") or {}).get("alertname") == rule.alert]
    fitting = named or [r for r in routes if (r.get("labels") or {})
                        and all(labels.get(k) == str(v) for k, v in r["labels"].items())]
    if not fitting:
        raise NotLive("the stack's routes.yaml has no entry whose labels it carries (add one with its receivers)")
    return list(max(fitting, key=lambda r: len(r["labels"])).get("receivers") or [])


def _described(generated: Generated) -> str:
    parts = []
    firing = generated.live_firing
    for s in generated.design.series:
        level = firing[s.var]
        if level is None:
            continue
        parts.append(f"{s.metric} {_level(s, level, firing)}")
        if s.past_var is not None and firing.get(s.past_var) is not None:
            parts[-1] += f" after {_level(s, firing[s.past_var], firing)} in the past"
    described = "; ".join(dict.fromkeys(parts))
    if generated.collateral:
        described += f" (also makes {', '.join(generated.collateral)} hold)"
    return described


def _level(s, level: float, firing: dict) -> str:
    return {"gauge": f"= {level:g}", "counter": f"+{level:g}/s", "slope": f"from {level:g} at {firing.get(s.slope_var, 0):+g}/s",
            "bucket": f"observations at {level:g}", "clock": f"= the time {level:+g}s",
            "resetting": f"reset {level:g} times a second"}[s.kind]


def read_through_increase(expr: str) -> set[str]:
    """The metrics an expression reads through increase(): their value over a window is an amount, not a
    per-second rate, so it shrinks with the window."""
    found: set[str] = set()

    def visit(node):
        if isinstance(node, promql_parser.Call) and node.func.name == "increase":
            found.update(s.metric for s in selectors(node) if s.metric)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found
