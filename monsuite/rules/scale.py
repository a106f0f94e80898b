"""Rewrite a rule file for a time-compressed profile: group intervals, `for:` and PromQL windows."""

from __future__ import annotations

from pathlib import Path

import yaml

from monsuite.errors import ManifestError
from monsuite.timescale import TimeScaleError, scale_duration, scale_expression


def scale_rule_text(text: str, factor: float, source: Path) -> str:
    data = yaml.safe_load(text) or {}
    for g_index, group in enumerate(data.get("groups") or []):
        if group.get("interval"):
            group["interval"] = scale_duration(str(group["interval"]), factor)
        for r_index, rule in enumerate(group.get("rules") or []):
            where = f"groups[{g_index}].rules[{r_index}] ({rule.get('alert') or rule.get('record')})"
            try:
                rule["expr"] = scale_expression(str(rule["expr"]), factor)
                for key in ("for", "keep_firing_for"):
                    if rule.get(key):
                        rule[key] = scale_duration(str(rule[key]), factor)
            except TimeScaleError as exc:
                raise ManifestError(source, where, str(exc)) from None
    header = f"# Time-scaled by monsuite: every duration of {source.name} divided by {factor:g}.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
