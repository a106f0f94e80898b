"""Routing cases: a table of label sets -> expected receivers, inhibition cases, silence cases.

    routes:
      - labels: {severity: critical, team: platform}
        receivers: [pagerduty, discord]        # in routing-tree order
    inhibitions:
      - source: {alertname: APIDown, severity: critical, service: api}
        target: {alertname: HighLatency, severity: warning, service: api}
        inhibited: true
    silences:
      - matchers: ['alertname="Flapping"', 'team=~"plat.*"']
        alert: {alertname: Flapping, team: platform}
        silenced: true
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


from monsuite.errors import ManifestError
from monsuite.userio.inputs import read_yaml, refuse_unknown_keys

CASE_KEYS = {"routes": {"labels", "receivers"}, "inhibitions": {"source", "target", "inhibited"},
             "silences": {"matchers", "alert", "silenced"}}
MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')


@dataclass(frozen=True)
class RouteCase:
    labels: dict
    receivers: tuple[str, ...]


@dataclass(frozen=True)
class InhibitionCase:
    source: dict
    target: dict
    inhibited: bool


@dataclass(frozen=True)
class SilenceCase:
    matchers: tuple[tuple[str, str, str], ...]
    alert: dict
    silenced: bool


@dataclass(frozen=True)
class Cases:
    routes: tuple[RouteCase, ...]
    inhibitions: tuple[InhibitionCase, ...]
    silences: tuple[SilenceCase, ...]


def load_cases(path: Path) -> Cases:
    data = read_yaml(path, "routing cases file (routes, inhibitions and/or silences)")
    refuse_unknown_keys(data, CASE_KEYS, path)
    for section, allowed in CASE_KEYS.items():
        for i, case in enumerate(data.get(section) or []):
            unknown = sorted(set(case) - allowed) if isinstance(case, dict) else []
            if unknown:
                raise ManifestError(path, f"{section}[{i}].{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    for section, fields in (("routes", ("labels",)), ("inhibitions", ("source", "target")), ("silences", ("alert",))):
        for i, case in enumerate(data.get(section) or []):
            for name in fields:
                labels = case.get(name) if isinstance(case, dict) else None
                for key, value in (labels.items() if isinstance(labels, dict) else ()):
                    if not isinstance(value, (str, int, float, bool)):
                        raise ManifestError(path, f"{section}[{i}].{name}.{key}", "must be a label value (a string)")
    routes = []
    for i, case in enumerate(data.get("routes") or []):
        where = f"routes[{i}]"
        if not isinstance(case, dict) or not _labels(case.get("labels")) or not isinstance(case.get("receivers"), list) \
                or not case["receivers"]:
            raise ManifestError(path, where, "needs labels (a mapping of strings) and receivers (a non-empty list)")
        routes.append(RouteCase({k: str(v) for k, v in case["labels"].items()}, tuple(str(r) for r in case["receivers"])))
    inhibitions = []
    for i, case in enumerate(data.get("inhibitions") or []):
        if not isinstance(case, dict) or not _labels(case.get("source")) or not _labels(case.get("target")) \
                or not isinstance(case.get("inhibited"), bool):
            raise ManifestError(path, f"inhibitions[{i}]", "needs source and target label sets and inhibited: true|false")
        inhibitions.append(InhibitionCase(_strs(case["source"]), _strs(case["target"]), case["inhibited"]))
    silences = []
    for i, case in enumerate(data.get("silences") or []):
        if not isinstance(case, dict) or not _labels(case.get("alert")) or not isinstance(case.get("silenced"), bool) \
                or not isinstance(case.get("matchers"), list) or not case["matchers"]:
            raise ManifestError(path, f"silences[{i}]", "needs matchers (a list), an alert label set and silenced: true|false")
        parsed = []
        for text in case["matchers"]:
            match = MATCHER.match(str(text))
            if not match:
                raise ManifestError(path, f"silences[{i}].matchers", f"{text!r} is not a matcher such as 'alertname=\"X\"'")
            parsed.append(match.groups())
        silences.append(SilenceCase(tuple(parsed), _strs(case["alert"]), case["silenced"]))
    if not (routes or inhibitions or silences):
        raise ManifestError(path, "", "no cases")
    return Cases(tuple(routes), tuple(inhibitions), tuple(silences))


def _labels(value) -> bool:
    """A non-empty mapping of label name to a scalar value (a string, or a number or boolean YAML read)."""
    return isinstance(value, dict) and bool(value) and all(
        isinstance(v, (str, int, float, bool)) and not isinstance(k, (dict, list)) for k, v in value.items())


def _strs(labels: dict) -> dict:
    return {str(k): str(v) for k, v in labels.items()}
