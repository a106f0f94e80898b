"""Alerting and recording rules read from Prometheus rule files."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.errors import ManifestError
from monsuite.timescale import TimeScaleError, parse_ms
from monsuite.userio.inputs import expect_shape, read_yaml, refuse_unknown_keys

# The keys Prometheus' rule file format knows (3.x adds query_offset, labels and keep_firing_for; 2.x limit).
FILE_KEYS = ("groups",)
GROUP_KEYS = ("name", "interval", "rules", "limit", "query_offset", "labels")
RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")


@dataclass(frozen=True)
class Rule:
    file: str
    group: str
    group_interval_ms: int | None  # None: the global evaluation interval
    expr: str
    alert: str | None = None  # set for alerting rules
    record: str | None = None  # set for recording rules
    for_ms: int = 0
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    keep_firing_for_ms: int = 0


def expand(base: Path, patterns: list[str]) -> list[Path]:
    files: list[Path] = []
    for pattern in patterns:
        matches = sorted(Path(p) for p in glob.glob(str(base / pattern)))
        files.extend(m for m in matches if m not in files)
    return files


def load_rules(path: Path) -> list[Rule]:
    data = read_yaml(path, "rule file", strict=False)
    refuse_unknown_keys(data, FILE_KEYS, path)
    if not isinstance(data.get("groups"), list):
        raise ManifestError(path, "groups", "a rule file needs a list of groups")
    rules = []
    for g_index, group in enumerate(data["groups"]):
        where = f"groups[{g_index}]"
        expect_shape(group, path, "a rule group", dict, where)
        refuse_unknown_keys(group, GROUP_KEYS, path, where)
        for r_index, rule in enumerate(group.get("rules") or []):
            expect_shape(rule, path, "a rule", dict, f"{where}.rules[{r_index}]")
            refuse_unknown_keys(rule, RULE_KEYS, path, f"{where}.rules[{r_index}]")
        try:
            interval = parse_ms(group["interval"]) if group.get("interval") else None
            for r_index, rule in enumerate(group.get("rules") or []):
                rules.append(Rule(
                    file=str(path), group=group.get("name", ""), group_interval_ms=interval, expr=str(rule["expr"]),
                    alert=rule.get("alert"), record=rule.get("record"),
                    for_ms=parse_ms(rule["for"]) if rule.get("for") else 0,
                    labels=dict(rule.get("labels") or {}), annotations=dict(rule.get("annotations") or {}),
                    keep_firing_for_ms=parse_ms(rule["keep_firing_for"]) if rule.get("keep_firing_for") else 0,
                ))
        except (KeyError, TypeError, TimeScaleError) as exc:
            raise ManifestError(path, where, f"malformed group or rule: {exc}") from None
    return rules


def alert_rules(paths: list[Path]) -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for path in paths:
        for rule in load_rules(path):
            if rule.alert and rule.alert not in found:
                found[rule.alert] = rule
    return found
