"""stacks/<name>/scenarios.yaml: for each alert rule, the fault that must make it fire, and what then.

    scenarios:
      - name: api-down
        alert: WindmillPlatformAPIDown           # must be an alert rule of the stack
        fault: {stop: demo}                       # demo / stop / push / traffic (any combination);
                                                  #   push: {series: [...], job: <job label, optional>,
                                                  #   past_for: <real time each series' `past: {value, rate}`
                                                  #   is pushed before its present (a rule reading an offset)>};
                                                  #   a series' `resets_every: 5m` drops it back to its value
                                                  #   that often (real time; a rule reading resets())
        labels: {severity: critical}              # the firing alert carries these
        annotations: {summary: Windmill Platform API is down}
        receivers: [pagerduty, discord]           # exactly these get it (firing and resolved)
        visible: {series: 'up{job="windmill-platform-api"}', when: "== 0"}
        budget: 30s                               # firing -> delivered, real time (scaled with the profile)
        notify_within: 3m                         # fault -> delivered, real time: the user's target (optional)
        ramp: 0s                                  # real time the expression needs to cross its threshold
        delay: 0s                                 # unscaled time before the fault shows (e.g. injected latency)
        exclusive: false                          # true: runs alone (it disturbs everything else)
        uses: [demo.errors]                       # scenarios sharing a name never overlap
        needs: [demo]                             # components without which it skips
        requires_history: 0s                      # real time the stack must have run before the fault
        history:                                  # or: the past the rule reads, written before the start
          duration: 2h5m                          #   real time before the start (scaled with the profile)
          series: [{name: x_total, labels: {job: api}, value: 0, rate: 10}]   # rate: per second
        consumes: [host.cpu]                      # host resources it uses up (cpu, memory, disk): it
                                                  #   runs with no other scenario beside it
        keeps_instance: true                      # push faults: the alert carries the pushed series'
                                                  #   instance (false: the rule aggregates it away; the
                                                  #   alert is then told apart by its name alone)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import promql_parser
import yaml

from monsuite.alerts.faults import Fault, Push, PushedSeries, parse_faults
from monsuite.errors import ManifestError
from monsuite.userio.inputs import read_text, read_yaml, refuse_unknown_keys
from monsuite.history import History, HistorySeries
from monsuite.rules.model import Rule
from monsuite.timescale import TimeScaleError, parse_ms

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:Inf|inf|NaN|nan)"
# One item of promtool's series notation: a value, `_` (missing), `stale`, or `a+bxn` / `a-bxn` / `axn` / `_xn`.
PROMTOOL_VALUE = re.compile(rf"^(?:_|stale|(?:{_NUMBER})(?:[-+](?:\d+(?:\.\d*)?|\.\d+))?(?:x\d+)?|_x\d+)$")
SCENARIO_KEYS = {
    "name", "alert", "fault", "labels", "annotations", "receivers", "visible", "budget", "ramp", "delay",
    "exclusive", "uses", "needs", "requires_history", "description", "unit", "history", "consumes", "keeps_instance",
    "notify_within",
}
HOST_RESOURCES = ("host.cpu", "host.memory", "host.disk")
UNIT_KEYS = {"input", "active_at", "interval", "labels", "annotations", "settle"}
WHEN = ("== ", "> ", "< ", "increases")


@dataclass(frozen=True)
class Scenario:
    name: str
    alert: str
    fault: dict
    receivers: tuple[str, ...]
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    visible: dict | None = None
    budget_ms: int = 30_000
    notify_within_ms: int = 0
    ramp_ms: int = 0
    delay_ms: int = 0
    exclusive: bool = False
    uses: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    requires_history_ms: int = 0
    description: str = ""
    unit: dict | None = None  # promtool unit test input: {input, active_at, interval, labels, annotations}
    history: History | None = None  # series written into Prometheus before it starts
    consumes: tuple[str, ...] = ()  # host resources it uses up: it runs alone
    keeps_instance: bool = True  # push faults: the alert carries the pushed series' instance label

    faults: tuple[Fault, ...] = ()  # parsed from `fault` (monsuite.alerts.faults)

    @property
    def pushed(self) -> list[PushedSeries]:
        return [series for fault in self.faults if isinstance(fault, Push) for series in fault.series]


def load_scenarios(path: Path, alerts: dict[str, Rule], receivers: set[str], components: set[str]) -> list[Scenario]:
    data = read_yaml(path, "scenarios file")
    refuse_unknown_keys(data, ("scenarios",), path)
    if not isinstance(data.get("scenarios"), list):
        raise ManifestError(path, "scenarios", "must be a list of scenarios")
    scenarios, names = [], set()
    for index, raw in enumerate(data["scenarios"]):
        scenario = _scenario(path, index, raw, alerts, receivers, components)
        if scenario.name in names:
            raise ManifestError(path, f"scenarios[{index}].name", f"duplicate scenario name {scenario.name!r}")
        names.add(scenario.name)
        scenarios.append(scenario)
    return scenarios


def _scenario(path: Path, index: int, raw, alerts, receivers, components) -> Scenario:
    if not isinstance(raw, dict):
        raise ManifestError(path, f"scenarios[{index}]", "must be a mapping")
    label = f"scenarios[{index}] ({raw.get('name', '?')})"

    def fail(key: str, problem: str):
        raise ManifestError(path, f"{label}.{key}" if key else label, problem)

    unknown = set(raw) - SCENARIO_KEYS
    if unknown:
        fail(sorted(unknown)[0], f"unknown key; allowed: {', '.join(sorted(SCENARIO_KEYS))}")
    for key in ("name", "alert", "fault", "receivers"):
        if not raw.get(key):
            fail(key, "required")
    if raw["alert"] not in alerts:
        fail("alert", f"no alert rule named {raw['alert']!r} in the stack's rule files")
    if not isinstance(raw["receivers"], list) or not raw["receivers"]:
        fail("receivers", "must be a non-empty list of Alertmanager receiver names")
    for receiver in raw["receivers"]:
        if receiver not in receivers:
            fail("receivers", f"no receiver {receiver!r} in the Alertmanager config (have: {', '.join(sorted(receivers))})")
    fault = raw["fault"]
    faults = parse_faults(fault, components, fail)
    for key in ("labels", "annotations"):
        if not isinstance(raw.get(key, {}), dict):
            fail(key, "must be a mapping of name to expected value")
    visible = raw.get("visible")
    if visible is not None and (not isinstance(visible, dict) or not visible.get("series")
                                or not str(visible.get("when", "")).startswith(WHEN)):
        fail("visible", "must be {series: <selector>, when: '== N' | '> N' | '< N' | increases}")
    for key in ("uses", "needs"):
        if not isinstance(raw.get(key, []), list):
            fail(key, "must be a list of names")
    for component in raw.get("needs", []):
        if component not in components:
            fail("needs", f"the stack has no component {component!r}")
    unit = raw.get("unit")
    if unit is not None:
        _check_unit(unit, fail)
    consumes = raw.get("consumes", [])
    if not isinstance(consumes, list) or set(consumes) - set(HOST_RESOURCES):
        fail("consumes", f"must be a list of host resources: {', '.join(HOST_RESOURCES)}")
    history = _history(raw["history"], fail) if raw.get("history") is not None else None
    durations = {key: _duration(raw, key, default, fail)
                 for key, default in (("budget", 30_000), ("ramp", 0), ("delay", 0), ("requires_history", 0),
                                      ("notify_within", 0))}
    return Scenario(
        name=str(raw["name"]), alert=raw["alert"], fault=fault, faults=faults, receivers=tuple(raw["receivers"]),
        labels={k: str(v) for k, v in (raw.get("labels") or {}).items()},
        annotations={k: str(v) for k, v in (raw.get("annotations") or {}).items()},
        visible=visible, budget_ms=durations["budget"], notify_within_ms=durations["notify_within"], ramp_ms=durations["ramp"], delay_ms=durations["delay"],
        exclusive=bool(raw.get("exclusive", False)), uses=tuple(raw.get("uses", [])), needs=tuple(raw.get("needs", [])),
        requires_history_ms=durations["requires_history"], description=str(raw.get("description", "")),
        unit=unit, history=history, consumes=tuple(consumes), keeps_instance=_flag(raw, "keeps_instance", True, fail),
    )


def _duration(raw: dict, key: str, default: int, fail) -> int:
    if not raw.get(key):
        return default
    try:
        return parse_ms(str(raw[key]))
    except TimeScaleError as exc:
        fail(key, str(exc))


def _flag(raw: dict, key: str, default: bool, fail) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        fail(key, "must be true or false")
    return value


def _history(raw, fail) -> History:
    if not isinstance(raw, dict) or set(raw) != {"duration", "series"}:
        fail("history", "must be {duration: <real time before the start>, series: [{name, labels, value, rate}, ...]}")
    try:
        duration = parse_ms(str(raw["duration"]))
    except TimeScaleError as exc:
        fail("history.duration", str(exc))
    if not isinstance(raw["series"], list) or not raw["series"]:
        fail("history.series", "must be a non-empty list of {name, labels, value, rate}")
    series = []
    for index, item in enumerate(raw["series"]):
        if not isinstance(item, dict) or not item.get("name") or set(item) - {"name", "labels", "value", "rate"}:
            fail(f"history.series[{index}]", "needs a name, and optional labels, value and rate")
        if not isinstance(item.get("labels", {}), dict):
            fail(f"history.series[{index}].labels", "must be a mapping of label name to value")
        try:
            value, rate = float(item.get("value", 0)), float(item.get("rate", 0))
        except (TypeError, ValueError):
            fail(f"history.series[{index}]", "value and rate must be numbers")
        if rate < 0:
            fail(f"history.series[{index}].rate", "must be >= 0 (a counter only grows)")
        series.append(HistorySeries(str(item["name"]), {str(k): str(v) for k, v in item.get("labels", {}).items()},
                                    value, rate))
    return History(duration, tuple(series))


def _check_unit(unit, fail) -> None:
    if not isinstance(unit, dict) or set(unit) - UNIT_KEYS or "input" not in unit or "active_at" not in unit:
        fail("unit", f"must be a mapping with input and active_at (allowed: {', '.join(sorted(UNIT_KEYS))})")
    if not isinstance(unit["input"], list) or not all(
            isinstance(i, dict) and set(i) == {"series", "values"} for i in unit["input"]):
        fail("unit.input", "must be a list of {series: <selector>, values: <promtool expanding notation>}")
    for index, item in enumerate(unit["input"]):
        if not _is_selector(str(item["series"])):
            fail(f"unit.input[{index}].series", f"{item['series']!r} is not a series selector such as "
                                                'http_requests_total{job="api"}')
        bad = [token for token in str(item["values"]).split() if not PROMTOOL_VALUE.match(token)]
        if bad or not str(item["values"]).split():
            fail(f"unit.input[{index}].values", f"{bad[0] if bad else '(empty)'!r} is not promtool's expanding "
                                                "notation (e.g. 1 1 0x20, 0+30x40, _x3, stale)")
    for key, default in (("active_at", None), ("interval", "15s"), ("settle", "0s")):
        try:
            parse_ms(str(unit.get(key, default)))
        except TimeScaleError as exc:
            fail(f"unit.{key}", str(exc))


def _is_selector(text: str) -> bool:
    try:
        return type(promql_parser.parse(text)).__name__ == "VectorSelector"
    except ValueError:
        return False


def alertmanager_receivers(stack_dir: Path) -> set[str]:
    """Receiver names of the stack's Alertmanager config (a template is rendered leniently)."""
    for name in ("alertmanager.yml", "alertmanager.yml.j2", "alertmanager.yaml", "alertmanager.yaml.j2"):
        path = stack_dir / name
        if path.exists():
            text = read_text(path, "Alertmanager config")
            try:
                if path.suffix == ".j2":
                    text = jinja2.Environment(undefined=jinja2.ChainableUndefined).from_string(text).render()
                config = yaml.safe_load(text) or {}
            except (jinja2.TemplateError, yaml.YAMLError) as exc:
                raise ManifestError(path, "", f"cannot be read as a (templated) Alertmanager config: "
                                              f"{getattr(exc, 'problem', None) or exc}") from None
            if not isinstance(config, dict):
                raise ManifestError(path, "", "must be a mapping (an Alertmanager config)")
            return {r["name"] for r in config.get("receivers", []) if isinstance(r, dict) and "name" in r}
    raise ManifestError(stack_dir, "alertmanager.yml", "the stack has no Alertmanager config to check receivers against")


def load_for_stack(manifest) -> tuple[list[Scenario], dict[str, Rule]]:
    """The stack's scenarios, validated against its alert rules, receivers and components."""
    from monsuite.rules.model import alert_rules, expand

    rules = alert_rules(expand(manifest.directory, list(manifest.rule_files)))
    if not manifest.scenarios:
        return [], rules
    path = manifest.directory / manifest.scenarios
    receivers = alertmanager_receivers(manifest.directory)
    return load_scenarios(path, rules, receivers, set(manifest.components)), rules


def pushed_metrics(manifest) -> frozenset[str]:
    """The metrics the stack's scenarios push: where no component exports one, it exists only during them."""
    if not manifest.scenarios:
        return frozenset()
    return frozenset(series.name for scenario in load_for_stack(manifest)[0] for series in scenario.pushed)
