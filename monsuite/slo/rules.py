"""Prometheus rules for SLOs, as Sloth generates them: the SLI's error ratio recorded over each alert
window, and one page and one ticket alert per SLO on the Workbook's multi-window multi-burn-rate pairs.
With them, promtool unit tests of the alerts: a fast burn pages, a slow burn opens a ticket only, a burn
within budget stays quiet."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from monsuite.slo.burn import PAIRS, SLI_WINDOWS
from monsuite.slo.spec import SLO
from monsuite.timescale import parse_ms
from monsuite.userio.outputs import write_atomic

RECORD = "slo:sli_error:ratio_rate{window}"


def _labels(slo: SLO) -> dict[str, str]:
    return {"slo_service": slo.service, "slo_name": slo.name}


def _selector(slo: SLO) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in _labels(slo).items()) + "}"


def alert_name(slo: SLO) -> str:
    name = slo.alerting.get("name") if slo.alerting else None
    if name:
        return str(name)
    words = re.split(r"[^A-Za-z0-9]+", f"{slo.service} {slo.name}")
    return "".join(w[:1].upper() + w[1:] for w in words if w) + "BurnRate"


def recording_rules(slo: SLO) -> list[dict]:
    return [{"record": RECORD.format(window=window), "expr": slo.error_ratio(window),
             "labels": {**_labels(slo), "slo_window": window}} for window in SLI_WINDOWS]


def _condition(slo: SLO, severity: str) -> str:
    parts = []
    for pair in (p for p in PAIRS if p.severity == severity):
        factor = pair.factor(slo.window_ms)
        threshold = f"({factor!r} * {slo.budget_ratio!r})"
        parts.append(f"(max({RECORD.format(window=pair.long)}{_selector(slo)}) > {threshold}"
                     f" and max({RECORD.format(window=pair.short)}{_selector(slo)}) > {threshold})")
    return "\n  or\n".join(parts)


def alert_rules(slo: SLO) -> list[dict]:
    return list(_alerts(slo).values())


def _alerts(slo: SLO) -> dict[str, dict]:
    """severity (page, ticket) -> its alert rule (its labels may name the severity otherwise)."""
    alerting = slo.alerting or {}
    rules = {}
    for severity in ("page", "ticket"):
        specific = alerting.get(f"{severity}_alert") or {}
        if specific.get("disable"):
            continue
        labels = {**_labels(slo), "severity": severity, **(alerting.get("labels") or {}), **(specific.get("labels") or {})}
        annotations = {"summary": f"{slo.service} {slo.name}: the error budget burns too fast ({severity})",
                       "description": f"objective {slo.objective * 100:g}% over {slo.window_ms // 86_400_000}d",
                       **(alerting.get("annotations") or {}), **(specific.get("annotations") or {})}
        rules[severity] = {"alert": alert_name(slo), "expr": _condition(slo, severity), "labels": labels,
                           "annotations": annotations}
    return rules


def sli_rule_file(slos: list[SLO]) -> str:
    """The recording rules: each SLO's error ratio over every alert window."""
    return _groups(slos, "sli", recording_rules)


def alert_rule_file(slos: list[SLO]) -> str:
    """The alerts on the recorded ratios (kept apart, so their tests feed the recorded series directly)."""
    return _groups(slos, "alerts", alert_rules)


def _groups(slos: list[SLO], suffix: str, rules_of) -> str:
    groups = []
    for slo in _on_prometheus(slos):
        stem = re.sub(r"[^a-z0-9]+", "-", f"{slo.service}-{slo.name}".lower()).strip("-")
        groups.append({"name": f"slo-{stem}-{suffix}", "rules": rules_of(slo)})
    return yaml.safe_dump({"groups": groups}, sort_keys=False, width=200)


# ---- promtool unit tests of the alerts ----------------------------------------------------------
# A burn that starts at t=0 fills each window as Prometheus' rate() would: the error ratio recorded for a
# window of w minutes is burn * budget * min(1, t / w). A pair (long L, factor f) then alerts from
# t = L * f / burn on (its short window is full sooner): a fast burn pages within the hour, a slow burn
# opens a ticket only after most of a day, a burn within budget never alerts.
EVALUATION_MINUTES = 5  # the tests' evaluation interval: a 20-hour slow burn stays cheap to test
MARGIN_MINUTES = 2 * EVALUATION_MINUTES


def _ramp(final: float, window_minutes: int, total_minutes: int) -> str:
    """promtool's expanding notation for a value rising linearly over the window, then flat."""
    return f"0+{final / window_minutes!r}x{window_minutes} {final!r}x{max(total_minutes - window_minutes, 0)}"


def _inputs(slo: SLO, burn: float, total_minutes: int) -> list[dict]:
    series = []
    for window in SLI_WINDOWS:
        labels = ", ".join(f'{k}="{v}"' for k, v in {**_labels(slo), "slo_window": window}.items())
        final = min(burn * slo.budget_ratio, 1.0)
        series.append({"series": f"{RECORD.format(window=window)}{{{labels}}}",
                       "values": _ramp(final, parse_ms(window) // 60_000, total_minutes)})
    return series


def _first_alert_minute(slo: SLO, burn: float, severity: str) -> float | None:
    burn = min(burn * slo.budget_ratio, 1.0) / slo.budget_ratio  # an error ratio cannot exceed 1
    times = [parse_ms(p.long) / 60_000 * p.factor(slo.window_ms) / burn
             for p in PAIRS if p.severity == severity and burn > p.factor(slo.window_ms)]
    return min(times) if times else None


def _on_prometheus(slos: list[SLO]) -> list[SLO]:
    return [slo for slo in slos if slo.kind != "conformance"]  # those are measured by a run, not by rules


def _on_evaluation(minute: float) -> int:
    return int(round(minute / EVALUATION_MINUTES) * EVALUATION_MINUTES)


def unit_tests(slos: list[SLO], rule_file_name: str) -> str:
    tests = []
    for slo in _on_prometheus(slos):
        factors = {severity: [p.factor(slo.window_ms) for p in PAIRS if p.severity == severity] for severity in ("page", "ticket")}
        alerts = _alerts(slo)
        for title, burn in (("fast burn", max(factors["page"]) * 1.5),  # above every page factor
                            ("slow burn", (min(factors["ticket"]) + min(factors["page"])) / 2),  # a ticket, never a page
                            ("within budget", min(factors["ticket"]) * 0.5)):  # nothing
            moments = {severity: _first_alert_minute(slo, burn, severity) for severity in alerts}
            # around each expected start; a burn within budget is checked once every page window is full (its
            # recorded ratio never exceeds its final value, which is under every factor)
            checks = sorted({_on_evaluation(m + d) for m in moments.values() if m is not None for d in (-MARGIN_MINUTES, MARGIN_MINUTES)}
                            or {_on_evaluation(max(parse_ms(p.long) for p in PAIRS if p.severity == "page") / 60_000 + MARGIN_MINUTES)})
            total = max(checks) + 10
            expected_at = lambda minute: [{"exp_labels": alerts[s]["labels"], "exp_annotations": alerts[s]["annotations"]}  # noqa: E731
                                          for s in alerts if moments[s] is not None and minute > moments[s]]
            tests.append({
                "name": f"{slo.key}: {title} ({burn:g}x the budget rate from t=0)",
                "interval": "1m",
                "input_series": _inputs(slo, burn, total),
                "alert_rule_test": [{"eval_time": f"{minute}m", "alertname": alert_name(slo), "exp_alerts": expected_at(minute)}
                                    for minute in checks],
            })
    return yaml.safe_dump({"rule_files": [rule_file_name], "evaluation_interval": f"{EVALUATION_MINUTES}m", "tests": tests},
                          sort_keys=False, width=200)


def write_rules(slos: list[SLO], directory: Path) -> None:
    """The recording rules, the burn-rate alerts and their tests: all made before any file is written."""
    files = {"slo-sli-rules.yml": sli_rule_file(slos), "slo-alert-rules.yml": alert_rule_file(slos),
             "slo-alert-rules.test.yml": unit_tests(slos, "slo-alert-rules.yml")}
    for name, text in files.items():
        write_atomic(directory / name, text)


def write_and_test(slos: list[SLO], directory: Path) -> list[subprocess.CompletedProcess]:
    """Write the rules and the alerts' tests into `directory`; promtool's check and test of them."""
    write_rules(slos, directory)
    return [subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=600) for command in (
        ["promtool", "check", "rules", "slo-sli-rules.yml", "slo-alert-rules.yml"],
        ["promtool", "test", "rules", "slo-alert-rules.test.yml"])]
