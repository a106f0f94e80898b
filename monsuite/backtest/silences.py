"""Silences, as Alertmanager's API lists them (GET /api/v2/silences, or `amtool silence query -o json`):
which alerts each one mutes, and when.

A silence is active from startsAt (included) to endsAt (excluded); an expired one keeps the endsAt it was
expired at. Its matchers all hold for an alert's labels: a label the alert lacks has the value "", a regex
matches the whole value, `isEqual: false` negates (absent: true, as before Alertmanager 0.22)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monsuite.errors import ManifestError
from monsuite.userio.inputs import read_yaml
from monsuite.userio.times import parse_instant


@dataclass(frozen=True)
class LabelMatcher:
    name: str
    pattern: re.Pattern | None  # a regex matcher's, anchored; None: equality with value
    value: str
    equal: bool

    def holds(self, labels: dict) -> bool:
        actual = labels.get(self.name, "")
        found = self.pattern.fullmatch(actual) is not None if self.pattern else actual == self.value
        return found == self.equal


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[LabelMatcher, ...]
    starts: float
    ends: float

    def matches(self, labels: dict) -> bool:
        return all(m.holds(labels) for m in self.matchers)

    def active_at(self, at: float) -> bool:
        return self.starts <= at < self.ends


def read_silences(path) -> list[Silence]:
    data = read_yaml(path, "silences file", expect=list)
    return [_silence(entry, path, f"[{index}]") for index, entry in enumerate(data)]


def _silence(entry, path, where: str) -> Silence:
    if not isinstance(entry, dict) or not {"matchers", "startsAt", "endsAt"} <= set(entry):
        raise ManifestError(path, where, "each silence needs matchers, startsAt and endsAt (as GET /api/v2/silences "
                                         "lists them)")
    matchers = entry["matchers"]
    if not isinstance(matchers, list) or not matchers:
        raise ManifestError(path, f"{where}.matchers", "must be a non-empty list of {name, value, isRegex, isEqual}")
    starts = parse_instant(str(entry["startsAt"]), f"{path}: {where}.startsAt")
    ends = parse_instant(str(entry["endsAt"]), f"{path}: {where}.endsAt")
    if ends <= starts:
        raise ManifestError(path, f"{where}.endsAt", "must come after startsAt")
    made = tuple(_matcher(m, path, f"{where}.matchers[{i}]") for i, m in enumerate(matchers))
    return Silence(str(entry.get("id", where)), made, starts, ends)


def _matcher(raw, path, where: str) -> LabelMatcher:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not isinstance(raw.get("value"), str):
        raise ManifestError(path, where, "needs a name and a value (strings), and optional isRegex / isEqual")
    flags = {key: raw.get(key, default) for key, default in (("isRegex", False), ("isEqual", True))}
    if not all(isinstance(v, bool) for v in flags.values()):
        raise ManifestError(path, where, "isRegex and isEqual must be true or false")
    pattern = None
    if flags["isRegex"]:
        try:
            pattern = re.compile(raw["value"])
        except re.error as exc:
            raise ManifestError(path, f"{where}.value", f"{raw['value']!r} is not a regular expression: {exc}") from None
    return LabelMatcher(raw["name"], pattern, raw["value"], flags["isEqual"])
