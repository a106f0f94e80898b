"""Prometheus rules for SLOs, as Sloth generates them: the SLI's error ratio recorded over each alert
window, and one page and one ticket alert per SLO on the Workbook's multi-window multi-burn-rate pairs.
With them, promtool unit tests of the alerts: a fast burn pages, a slow burn opens a ticket only, a burn
within budget stays quiet."""

from __future__ import annotations

import re

import yaml

from monsuite.slo.burn import PAIRS, SLI_WINDOWS
from monsuite.slo.spec import SLO

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


def rule_file(slos: list[SLO]) -> str:
    groups = []
    for slo in _on_prometheus(slos):
        stem = re.sub(r"[^a-z0-9]+", "-", f"{slo.service}-{slo.name}".lower()).strip("-")
        groups.append({"name": f"slo-{stem}-sli", "rules": recording_rules(slo)})
        groups.append({"name": f"slo-{stem}-alerts", "rules": alert_rules(slo)})
    return yaml.safe_dump({"groups": groups}, sort_keys=False, width=200)


# ---- promtool unit tests of the alerts ----------------------------------------------------------
def _inputs(slo: SLO, ratios: dict[str, float], minutes: int) -> list[dict]:
    """The recorded error ratios, held at `ratios[window]` for `minutes` minutes (one sample a minute)."""
    series = []
    for window in SLI_WINDOWS:
        labels = ", ".join(f'{k}="{v}"' for k, v in {**_labels(slo), "slo_window": window}.items())
        series.append({"series": f"{RECORD.format(window=window)}{{{labels}}}",
                       "values": f"{ratios[window]!r}x{minutes}"})
    return series


def _on_prometheus(slos: list[SLO]) -> list[SLO]:
    return [slo for slo in slos if slo.kind != "conformance"]  # those are measured by a run, not by rules


def unit_tests(slos: list[SLO], rule_file_name: str) -> str:
    tests = []
    for slo in _on_prometheus(slos):
        budget = slo.budget_ratio
        factors = {p.severity: [] for p in PAIRS}
        for pair in PAIRS:
            factors[pair.severity].append(pair.factor(slo.window_ms))
        page_alert, ticket_alert = _alerts(slo).get("page"), _alerts(slo).get("ticket")
        cases = (  # burn rates: above every page factor; between the ticket and the page factors; under all
            ("fast burn", max(factors["page"]) * 1.5, [a for a in (page_alert, ticket_alert) if a]),
            ("slow burn", (min(factors["ticket"]) + min(factors["page"])) / 2, [a for a in (ticket_alert,) if a]),
            ("within budget", min(factors["ticket"]) * 0.5, []),
        )
        for title, burn, firing in cases:
            ratio = min(burn * budget, 1.0)
            expected = [{"exp_labels": alert["labels"], "exp_annotations": alert["annotations"]} for alert in firing]
            tests.append({
                "name": f"{slo.key}: {title} ({burn:g}x the budget rate)",
                "interval": "1m",
                "input_series": _inputs(slo, {w: ratio for w in SLI_WINDOWS}, 10),
                "alert_rule_test": [{"eval_time": "5m", "alertname": alert_name(slo), "exp_alerts": expected}],
            })
    return yaml.safe_dump({"rule_files": [rule_file_name], "evaluation_interval": "1m", "tests": tests},
                          sort_keys=False, width=200)
