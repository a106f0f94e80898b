"""A backtest as the command prints it: text lines, CI cases (a rule the query failed for, an incident
missed) and the JSON document with every firing interval."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone

from monsuite.backtest.delivery import Delivered, compare_delivered
from monsuite.backtest.report import Incident, compare, judge_incidents, summarise
from monsuite.backtest.run import Backtest
from monsuite.userio.ciformat import Case, Finding


def iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, timezone.utc).isoformat().replace("+00:00", "Z")


def told(now: Backtest, before: Backtest | None, incidents: list[Incident], flap_window_s: float,
         delivered: Delivered | None = None, delivered_before: Delivered | None = None):
    summaries = summarise(now.results, now.end, flap_window_s)
    firings = sum(s.firings for s in summaries)
    lines = [f"backtest {iso(now.start)} .. {iso(now.end)}: {len(now.results)} alert rules, {firings} firings, "
             f"{now.seconds:.1f} s"]
    cases = []
    for result in now.results:
        if result.error:
            lines.append(f"  ERROR {result.rule.alert}: {result.error}")
        cases.append(Case("backtest", result.rule.alert, f"the query failed: {result.error}" if result.error else "",
                          result.rule.file))
    lines += [f"  {summary.line()}" for summary in summaries]
    lines += [f"  NOTE {r.rule.alert}: label {name} is a template ({value!r}); alerts are told apart by its text, "
              "not by what Prometheus would expand it to" for r in now.results
              for name, value in r.rule.labels.items() if "{{" in str(value)]
    document = {"from": iso(now.start), "to": iso(now.end), "seconds": round(now.seconds, 2),
                "alerts": [vars(s) for s in summaries],
                "firings": [{"alert": r.rule.alert, "labels": r.alert_labels(f), "active_at": iso(f.active_at),
                             "fired_at": iso(f.fired_at), "resolved_at": iso(f.resolved_at)}
                            for r in now.results for f in r.firings]}
    if before is not None:
        changes = compare(summaries, summarise(before.results, before.end, flap_window_s))
        lines += ["  against the baseline:", *[f"    {line}" for line in changes]]
        document["baseline"] = changes
    if delivered is not None:
        lines += ["  notifications through the Alertmanager config:", *[f"    {line}" for line in delivered.lines()]]
        document["notifications"] = [{**asdict(n), "at": iso(n.at), "group": dict(n.group)} for n in delivered.notifications]
        document["per_receiver"] = {r: dict(c) for r, c in delivered.per_receiver().items()}
        document["left_out"] = {"inhibited_alerts": delivered.inhibited, "silenced_alerts": delivered.silenced,
                                "flushes_muted_by_time": delivered.muted_by_time}
        if delivered_before is not None:
            changes = compare_delivered(delivered, delivered_before)
            lines += ["  notifications against the baseline:", *[f"    {line}" for line in changes]]
            document["baseline_notifications"] = changes
    if incidents:
        verdicts, false_alarms = judge_incidents(now.results, incidents)
        lines += [f"  {v.line()}" for v in verdicts]
        caught = sum(v.caught for v in verdicts)
        lines.append(f"  incidents caught {caught}/{len(verdicts)}; firings outside every incident (false alarms): "
                     f"{len(false_alarms)} of {firings}")
        cases += [Case("backtest incidents", v.incident.name, "" if v.caught else v.line()) for v in verdicts]
        document["incidents"] = [{"name": v.incident.name, "caught": v.caught,
                                  "caught_by": [{"alert": a, "after_seconds": d} for a, d in v.caught_by]} for v in verdicts]
        document["false_alarms"] = [{"alert": a, "fired_at": iso(t)} for a, t in false_alarms]
    findings = [Finding("error", c.file or "incidents", 0, "backtest", c.failure) for c in cases if c.failure]
    return lines, findings, cases, document
