"""SLO specs as users already write them: Sloth's `prometheus/v1` and OpenSLO `v1` (ratio and threshold
SLIs), read into one model. What monsuite cannot compute is refused with the field named.

The model keeps an SLI as PromQL that monsuite evaluates over any window:
- a ratio SLI gives the *error ratio* over a window (bad events / all events);
- a threshold SLI gives the fraction of time slices in which a measured value misses its threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import promql_parser

from monsuite.errors import ManifestError
from monsuite.userio.inputs import read_yaml_documents
from monsuite.timescale import TimeScaleError, parse_ms

SLOTH_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
OPERATORS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class SLO:
    service: str
    name: str
    objective: float  # a ratio, e.g. 0.999
    window_ms: int  # the SLO period, e.g. 30 days
    kind: str  # "ratio" or "threshold"
    error_ratio_template: str  # PromQL with {window}: the error ratio over that window
    description: str = ""
    source: str = ""  # the file and the format it came from
    time_slice_ms: int = 60_000  # threshold SLIs: the slice one measurement stands for
    alerting: dict = field(default_factory=dict)  # Sloth's alerting block (names, labels, annotations)
    conformance: str = ""  # kind "conformance": which measurement of a monsuite run is the SLI (CONFORMANCE)
    threshold_ms: int = 0  # conformance SLIs with a time limit (dashboard_load)

    @property
    def key(self) -> str:
        return f"{self.service}/{self.name}"

    def error_ratio(self, window: str, step: str | None = None) -> str:
        """The error ratio over `window`; a threshold SLI measures one slice per `step` (default: its own)."""
        return (self.error_ratio_template.replace("{window}", window)
                .replace("{step}", step or f"{self.time_slice_ms // 1000}s"))

    @property
    def budget_ratio(self) -> float:
        return round(1 - self.objective, 12)  # 0.001, not 0.0010000000000000009, in rules and reports


def load_specs(path: Path) -> list[SLO]:
    path = Path(path)
    documents = read_yaml_documents(path, "SLO spec")
    if not documents:
        raise ManifestError(path, "", "no SLO spec in the file")
    slos: list[SLO] = []
    indicators = {d.get("metadata", {}).get("name"): d for d in documents
                  if isinstance(d, dict) and d.get("kind") == "SLI" and isinstance(d.get("metadata"), dict)}
    for index, document in enumerate(documents):
        where = f"document {index + 1}" if len(documents) > 1 else ""
        if not isinstance(document, dict):
            raise ManifestError(path, where, "must be a mapping (a Sloth prometheus/v1 or an OpenSLO v1 spec)")
        if document.get("version") == "prometheus/v1":
            slos += _sloth(path, document, where)
        elif document.get("version") == "monsuite/v1":
            slos += _native(path, document, where)
        elif document.get("apiVersion") == "openslo/v1":
            if document.get("kind") == "SLO":
                slos.append(_openslo(path, document, where, indicators))
            elif document.get("kind") not in ("SLI", "Service", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource"):
                raise ManifestError(path, _at(where, "kind"), f"unknown OpenSLO kind {document.get('kind')!r}")
        else:
            found = document.get("version") or document.get("apiVersion")
            raise ManifestError(path, _at(where, "version" if "version" in document else "apiVersion"),
                                f"{found!r} is not a supported spec: use Sloth's version: prometheus/v1, "
                                "OpenSLO's apiVersion: openslo/v1 or monsuite/v1 (SLOs on a conformance run)")
    names = [s.key for s in slos]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ManifestError(path, "", f"SLO {duplicate} is defined twice")
    if not slos:
        raise ManifestError(path, "", "no SLO in the file (only SLI or Service documents)")
    return slos


def _at(where: str, field_name: str) -> str:
    return f"{where}.{field_name}" if where else field_name


def _service_with_slos(path: Path, document: dict, where: str, allowed: set[str]) -> str:
    """The top level shared by Sloth's format and monsuite/v1: a service and its list of SLOs."""
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise ManifestError(path, _at(where, unknown[0]), f"unknown key; allowed: {', '.join(sorted(allowed))}")
    service = document.get("service")
    if not isinstance(service, str) or not service:
        raise ManifestError(path, _at(where, "service"), "required: the service's name")
    if not isinstance(document.get("slos"), list) or not document["slos"]:
        raise ManifestError(path, _at(where, "slos"), "required: a list of SLOs")
    return service


# ---- Sloth -----------------------------------------------------------------------------------
SLOTH_KEYS = {"version", "service", "labels", "slos"}
SLOTH_SLO_KEYS = {"name", "objective", "description", "labels", "sli", "alerting"}


def _sloth(path: Path, document: dict, where: str) -> list[SLO]:
    service = _service_with_slos(path, document, where, SLOTH_KEYS)
    slos = []
    for index, raw in enumerate(document["slos"]):
        at = _at(where, f"slos[{index}]")
        if not isinstance(raw, dict):
            raise ManifestError(path, at, "must be a mapping with name, objective and sli")
        unknown = sorted(set(raw) - SLOTH_SLO_KEYS)
        if unknown:
            raise ManifestError(path, f"{at}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(SLOTH_SLO_KEYS))}")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise ManifestError(path, f"{at}.name", "required")
        objective = _percent(path, f"{at}.objective", raw.get("objective"))
        sli = raw.get("sli")
        if not isinstance(sli, dict) or len(sli) != 1 or next(iter(sli)) not in ("events", "raw"):
            if isinstance(sli, dict) and "plugin" in sli:
                raise ManifestError(path, f"{at}.sli.plugin", "Sloth SLI plugins are not supported: write the events "
                                    "(error_query, total_query) or raw (error_ratio_query) form")
            raise ManifestError(path, f"{at}.sli", "must be {events: {error_query, total_query}} or {raw: {error_ratio_query}}")
        if "events" in sli:
            events = sli["events"] if isinstance(sli["events"], dict) else {}
            queries = {k: events.get(k) for k in ("error_query", "total_query")}
            for key, query in queries.items():
                _check_query(path, f"{at}.sli.events.{key}", query, templated=True)
            # no error series at all means no errors (Prometheus returns nothing, not 0, for an empty selection)
            template = f"((({_window(queries['error_query'])}) or on() vector(0)) / ({_window(queries['total_query'])}))"
        else:
            query = (sli["raw"] or {}).get("error_ratio_query") if isinstance(sli["raw"], dict) else None
            _check_query(path, f"{at}.sli.raw.error_ratio_query", query, templated=True)
            template = f"({_window(query)})"
        alerting = raw.get("alerting") or {}
        if not isinstance(alerting, dict):
            raise ManifestError(path, f"{at}.alerting", "must be a mapping (name, labels, annotations, page_alert, ticket_alert)")
        slos.append(SLO(service, name, objective, 30 * 86_400_000, "ratio", template,
                        description=str(raw.get("description") or ""), source=f"{path} (Sloth prometheus/v1)",
                        alerting=alerting))
    return slos


def _window(query: str) -> str:
    return SLOTH_WINDOW.sub("{window}", query)


def _percent(path: Path, field_name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 100:
        raise ManifestError(path, field_name, f"must be a percentage between 0 and 100, such as 99.9 (got {value!r})")
    return round(value / 100, 12)


# ---- monsuite's own: SLOs of the monitoring, measured by a conformance run ------------------------
CONFORMANCE = {
    "alert_latency": "scenarios whose alert was delivered within its latency budget",
    "alert_accuracy": "scenarios whose alert fired for its own fault and reached exactly its receivers",
    "alert_quiet": "alerts that fired for an injected fault (the rest fired during fault-free load: noise)",
    "dashboard_load": "dashboard loads under the threshold",
    "trace_coverage": "requests of the demo service whose trace reached the trace backend",
}
NATIVE_KEYS = {"version", "service", "slos"}
NATIVE_SLO_KEYS = {"name", "objective", "description", "conformance", "threshold"}


def _native(path: Path, document: dict, where: str) -> list[SLO]:
    service = _service_with_slos(path, document, where, NATIVE_KEYS)
    slos = []
    for index, raw in enumerate(document["slos"]):
        at = _at(where, f"slos[{index}]")
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ManifestError(path, at, "must be a mapping with name, objective and conformance")
        unknown = sorted(set(raw) - NATIVE_SLO_KEYS)
        if unknown:
            raise ManifestError(path, f"{at}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(NATIVE_SLO_KEYS))}")
        if raw.get("conformance") not in CONFORMANCE:
            raise ManifestError(path, f"{at}.conformance", f"must be one of {', '.join(CONFORMANCE)} (got {raw.get('conformance')!r})")
        threshold = _duration(path, f"{at}.threshold", raw["threshold"]) if "threshold" in raw else 0
        if raw["conformance"] == "dashboard_load" and not threshold:
            raise ManifestError(path, f"{at}.threshold", "required for dashboard_load, e.g. 2s")
        slos.append(SLO(service, raw["name"], _percent(path, f"{at}.objective", raw.get("objective")), 0, "conformance", "",
                        description=str(raw.get("description") or CONFORMANCE[raw["conformance"]]),
                        source=f"{path} (monsuite/v1)", conformance=raw["conformance"], threshold_ms=threshold))
    return slos


# ---- OpenSLO ---------------------------------------------------------------------------------
def _openslo(path: Path, document: dict, where: str, indicators: dict) -> SLO:
    metadata = document.get("metadata") or {}
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise ManifestError(path, _at(where, "metadata.name"), "required")
    spec = document.get("spec")
    if not isinstance(spec, dict):
        raise ManifestError(path, _at(where, "spec"), "required: a mapping")
    at = _at(where, "spec")
    service = spec.get("service")
    if not isinstance(service, str) or not service:
        raise ManifestError(path, f"{at}.service", "required: the service's name")
    indicator = spec.get("indicator")
    if indicator is None and spec.get("indicatorRef") is not None:
        referenced = indicators.get(spec["indicatorRef"])
        if referenced is None:
            raise ManifestError(path, f"{at}.indicatorRef", f"no SLI named {spec['indicatorRef']!r} in this file")
        indicator = referenced
    if not isinstance(indicator, dict) or not isinstance(indicator.get("spec"), dict):
        raise ManifestError(path, f"{at}.indicator", "required: {metadata, spec: {ratioMetric | thresholdMetric}} or indicatorRef")
    window_ms = _time_window(path, f"{at}.timeWindow", spec.get("timeWindow"))
    method = spec.get("budgetingMethod", "Occurrences")
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or len(objectives) != 1 or not isinstance(objectives[0], dict):
        raise ManifestError(path, f"{at}.objectives", "must hold exactly one objective (one SLO per objective)")
    objective = objectives[0]
    target = _target(path, f"{at}.objectives[0]", objective)
    sli = indicator["spec"]
    common = dict(description=str(spec.get("description") or ""), source=f"{path} (OpenSLO v1)")
    if "ratioMetric" in sli:
        if method != "Occurrences":
            raise ManifestError(path, f"{at}.budgetingMethod", f"{method!r} with a ratioMetric is not supported: use Occurrences")
        template = _ratio(path, f"{at}.indicator.spec.ratioMetric", sli["ratioMetric"])
        return SLO(service, name, target, window_ms, "ratio", template, **common)
    if "thresholdMetric" in sli:
        if method not in ("Timeslices", "Occurrences"):
            raise ManifestError(path, f"{at}.budgetingMethod", f"{method!r} with a thresholdMetric is not supported: use Timeslices")
        source = (sli["thresholdMetric"] or {}).get("metricSource") if isinstance(sli["thresholdMetric"], dict) else None
        query = _prometheus_query(path, f"{at}.indicator.spec.thresholdMetric.metricSource", source)
        op = OPERATORS.get(objective.get("op"))
        if op is None:
            raise ManifestError(path, f"{at}.objectives[0].op", f"must be one of {', '.join(OPERATORS)} (got {objective.get('op')!r})")
        value = objective.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ManifestError(path, f"{at}.objectives[0].value", "required: the threshold the metric is compared with")
        slice_ms = _duration(path, f"{at}.objectives[0].timeSliceWindow", objective.get("timeSliceWindow", "1m"))
        # the fraction of slices in the window where the value misses the threshold
        template = f"(1 - avg_over_time((({query}) {op} bool {value!r})[{{window}}:{{step}}]))"
        return SLO(service, name, target, window_ms, "threshold", template, time_slice_ms=slice_ms, **common)
    raise ManifestError(path, f"{at}.indicator.spec", "must have ratioMetric or thresholdMetric")


def _ratio(path: Path, at: str, ratio) -> str:
    if not isinstance(ratio, dict):
        raise ManifestError(path, at, "must be a mapping with total and good or bad")
    if ratio.get("counter") is not True:
        raise ManifestError(path, f"{at}.counter", "must be true: monsuite computes ratios of counter increases")
    if "total" not in ratio or ("good" in ratio) == ("bad" in ratio):
        raise ManifestError(path, at, "needs total and exactly one of good or bad")
    total = _counter(path, f"{at}.total", ratio["total"])
    if "bad" in ratio:
        bad = _counter(path, f"{at}.bad", ratio["bad"])
        return f"((sum(increase({bad}[{{window}}])) or on() vector(0)) / sum(increase({total}[{{window}}])))"
    good = _counter(path, f"{at}.good", ratio["good"])
    return f"(1 - (sum(increase({good}[{{window}}])) or on() vector(0)) / sum(increase({total}[{{window}}])))"


def _counter(path: Path, at: str, source) -> str:
    query = _prometheus_query(path, f"{at}.metricSource", (source or {}).get("metricSource") if isinstance(source, dict) else None)
    try:
        parsed = promql_parser.parse(query)
    except ValueError as exc:
        raise ManifestError(path, f"{at}.metricSource.spec.query", f"not PromQL: {exc}") from None
    if type(parsed).__name__ != "VectorSelector":
        raise ManifestError(path, f"{at}.metricSource.spec.query", "must be a counter's series selector such as "
                            'http_requests_total{code!~"5.."} (monsuite takes its increase over each window)')
    return query


def _prometheus_query(path: Path, at: str, source) -> str:
    if not isinstance(source, dict):
        raise ManifestError(path, at, "required: {type: Prometheus, spec: {query: ...}}")
    if str(source.get("type", "")).lower() != "prometheus":
        raise ManifestError(path, f"{at}.type", f"{source.get('type')!r} is not supported: monsuite reads Prometheus")
    query = (source.get("spec") or {}).get("query") if isinstance(source.get("spec"), dict) else None
    _check_query(path, f"{at}.spec.query", query, templated=False)
    return query.strip()


def _check_query(path: Path, at: str, query, *, templated: bool) -> None:
    if not isinstance(query, str) or not query.strip():
        raise ManifestError(path, at, "required: a PromQL query")
    try:
        promql_parser.parse(SLOTH_WINDOW.sub("5m", query) if templated else query)
    except ValueError as exc:
        raise ManifestError(path, at, f"not PromQL: {exc}") from None


def _time_window(path: Path, at: str, windows) -> int:
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise ManifestError(path, at, "must be one window, e.g. [{duration: 30d, isRolling: true}]")
    if windows[0].get("isRolling") is not True:
        raise ManifestError(path, f"{at}[0].isRolling", "calendar windows are not supported: use a rolling window")
    return _duration(path, f"{at}[0].duration", windows[0].get("duration"))


def _duration(path: Path, at: str, text) -> int:
    try:
        return parse_ms(str(text))
    except TimeScaleError as exc:
        raise ManifestError(path, at, str(exc)) from None


def _target(path: Path, at: str, objective: dict) -> float:
    if "target" in objective:
        target = objective["target"]
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
            raise ManifestError(path, f"{at}.target", f"must be a ratio between 0 and 1, such as 0.999 (got {target!r})")
        return float(target)
    if "targetPercent" in objective:
        return _percent(path, f"{at}.targetPercent", objective["targetPercent"])
    raise ManifestError(path, at, "needs target (0..1) or targetPercent (0..100)")
