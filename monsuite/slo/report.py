"""The SLO report's files: report.json, junit.xml (one case per SLO), summary.md (for CI job summaries)
and report.html with plots (SLI over time, budget burn-down, and the alert latency distribution of a
conformance run when one is given). A baseline report (the previous night's JSON) adds what got worse."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import jinja2

from monsuite.clients.http import redacted
from monsuite.slo.compute import SLOResult
from monsuite.slo.exclusions import summary
from monsuite.slo.numbers import minutes, number as num, percent as pct
from monsuite.userio.inputs import read_json
from monsuite.userio.outputs import write_atomic

HTML = jinja2.Template("""<!doctype html>
<html><head><meta charset="utf-8"><title>SLO report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}
.met{color:#070}.violated{color:#b00}.nodata{color:#888}.note{color:#555;font-style:italic}img{max-width:100%}</style></head><body>
<h1>SLO report</h1>
<p>Prometheus {{ prometheus }} at {{ at }}; {{ results|length }} SLOs, {{ violated }} violated.</p>
{% if exclusions %}<details><summary>Kept out of every SLI, budget and burn rate: {{ excluded_summary }}</summary>
<table><tr><th>interval</th><th>from</th><th>to</th></tr>{% for e in exclusions %}<tr><td>{{ e.reason }}</td><td>{{ e.start }}</td><td>{{ e.end }}</td></tr>{% endfor %}</table></details>{% endif %}
<table><tr><th>SLO</th><th>objective</th><th>window</th><th>SLI</th><th>budget spent</th><th>budget left</th><th>excluded</th><th>verdict</th></tr>
{% for r in results %}<tr><td>{{ r.key }}</td><td>{{ pct(r.objective) }}</td><td>{{ r.window }}</td><td>{{ pct(r.sli) }}</td>
<td>{{ minutes(r.spent_minutes) }} ({{ pct(r.spent_ratio) }})</td><td>{{ minutes(r.remaining_minutes) }} ({{ pct(r.remaining_ratio) }})</td>
<td>{{ minutes(r.excluded.excluded_budget_minutes) if r.excluded else '-' }}</td>
<td class="{{ r.verdict.replace(' ', '') }}">{{ r.verdict }}</td></tr>{% endfor %}</table>
{% if worse %}<h2>Worse than the baseline</h2><ul>{% for line in worse %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% for r in results %}<h2 id="{{ r.key }}">{{ r.key }}</h2><p>{{ r.description }} <small>{{ r.source }}</small></p>
{% for note in r.notes %}<p class="note">{{ note }}</p>{% endfor %}
{% if r.burn_rates %}<p>Burn-rate factors assume the SLO's period of {{ r.period }} (Workbook: budget fraction x period / long window).</p>
<table><tr><th>window pair</th><th>factor</th><th>long burn</th><th>short burn</th><th>alerting</th><th>note</th></tr>
{% for b in r.burn_rates %}<tr><td>{{ b.severity }} {{ b.long }}/{{ b.short }}</td><td>{{ num(b.factor) }}</td><td>{{ num(b.long_burn) }}</td>
<td>{{ num(b.short_burn) }}</td><td>{{ 'yes' if b.alerting else 'no' }}</td><td>{{ b.notes|join('; ') }}</td></tr>{% endfor %}</table>{% endif %}
{% if plots[r.key] %}<img alt="SLI and budget of {{ r.key }}" src="data:image/png;base64,{{ plots[r.key] }}">{% endif %}
{% endfor %}
{% if latency_plot %}<h2>Alert latency in the conformance run</h2>
<img alt="alert latency distribution" src="data:image/png;base64,{{ latency_plot }}">{% endif %}
</body></html>
""", autoescape=True)


def write_report(results: list[SLOResult], out: Path, *, prometheus: str, at: str, baseline: dict | None = None,
                 alert_latencies_ms: list[float] | None = None, exclusions: list | tuple = ()) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    prometheus = redacted(prometheus)  # credentials in a URL stay out of every file
    worse = compare(results, baseline) if baseline else []
    excluded = [e.to_dict() for e in exclusions]
    data = {"prometheus": prometheus, "at": at, "excluded": excluded, "slos": [r.to_dict() for r in results],
            "worse_than_baseline": worse}
    write_atomic((out / "report.json"), json.dumps(data, indent=2) + "\n")
    write_atomic((out / "junit.xml"), junit(results))
    write_atomic((out / "summary.md"), markdown(results, worse))
    plots = {r.key: _plot_slo(r) for r in results}
    latency_plot = _plot_latencies(alert_latencies_ms) if alert_latencies_ms else None
    write_atomic((out / "report.html"), HTML.render(
        results=results, prometheus=prometheus, at=at, violated=sum(r.verdict == "violated" for r in results),
        worse=worse, plots=plots, latency_plot=latency_plot, pct=pct, minutes=minutes, num=num, exclusions=excluded,
        excluded_summary=summary(exclusions)))
    return data


def verdict_line(result: SLOResult) -> str:
    """One SLO's verdict as the command line prints it."""
    spent = "-" if result.spent_ratio is None else f"{pct(result.spent_ratio)} of the budget spent"
    sli = "no data" if result.sli is None else f"SLI {pct(result.sli)}"
    excluded = f"; excluded: {minutes(result.excluded['excluded_budget_minutes'])} of budget" if result.excluded else ""
    return (f"{result.verdict.upper():<9} {result.key}: {sli} (objective {pct(result.objective)} over "
            f"{result.window}); {spent}{excluded}")


def read_report_json(path: str | Path, flag: str) -> dict:
    """A JSON file given on the command line (a baseline report, a campaign's alerts.json)."""
    return read_json(path, f"monsuite report ({flag})")


def junit(results: list[SLOResult]) -> bytes:
    suite = ElementTree.Element("testsuite", name="slo", tests=str(len(results)),
                                failures=str(sum(r.verdict == "violated" for r in results)),
                                skipped=str(sum(r.verdict == "no data" for r in results)))
    for r in results:
        case = ElementTree.SubElement(suite, "testcase", classname=f"slo.{r.service}", name=r.name)
        if r.verdict == "violated":
            ElementTree.SubElement(case, "failure", message=f"SLI {pct(r.sli)} < objective {pct(r.objective)} over {r.window}")
        elif r.verdict == "no data":
            ElementTree.SubElement(case, "skipped", message=f"no data for the SLI over {r.window}")
    return ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)


def markdown(results: list[SLOResult], worse: list[str]) -> str:
    lines = ["| SLO | objective | window | SLI | budget left | verdict |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.key} | {pct(r.objective)} | {r.window} | {pct(r.sli)} | "
                     f"{minutes(r.remaining_minutes)} ({pct(r.remaining_ratio)}) | {r.verdict} |")
    notes = [f"- {r.key}: {note}" for r in results for note in r.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    if worse:
        lines += ["", "Worse than the baseline:", *[f"- {line}" for line in worse]]
    return "\n".join(lines) + "\n"


def compare(results: list[SLOResult], baseline: dict) -> list[str]:
    """What got worse since the baseline report: a verdict, the SLI, the budget left."""
    before = {s["key"]: s for s in baseline.get("slos", [])}
    worse = []
    for r in results:
        old = before.get(r.key)
        if old is None:
            continue
        if old.get("verdict") == "met" and r.verdict == "violated":
            worse.append(f"{r.key}: now violated (SLI {pct(old.get('sli'))} -> {pct(r.sli)})")
        elif old.get("sli") is not None and r.sli is not None and r.sli < old["sli"]:
            worse.append(f"{r.key}: SLI {pct(old['sli'])} -> {pct(r.sli)}")
        if old.get("remaining_minutes") is not None and r.remaining_minutes is not None \
                and r.remaining_minutes < old["remaining_minutes"]:
            worse.append(f"{r.key}: budget left {minutes(old['remaining_minutes'])} -> {minutes(r.remaining_minutes)}")
    return worse


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _plot_slo(result: SLOResult) -> str | None:
    if not result.series.get("sli"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from datetime import datetime, timezone

    figure, (sli_axis, budget_axis) = plt.subplots(1, 2, figsize=(11, 3.2))
    times = [datetime.fromtimestamp(t, tz=timezone.utc) for t, _ in result.series["sli"]]
    sli_axis.plot(times, [v * 100 for _, v in result.series["sli"]], label="SLI per step")
    sli_axis.axhline(result.objective * 100, color="red", linestyle="--", label="objective")
    sli_axis.set_title("SLI over time (%)")
    sli_axis.legend(loc="lower left")
    budget_axis.plot(times, [v * 100 for _, v in result.series["remaining"]], color="purple")
    budget_axis.axhline(0, color="red", linestyle="--")
    budget_axis.set_title("error budget left (%)")
    for axis in (sli_axis, budget_axis):
        axis.tick_params(axis="x", labelrotation=30)
    return _png(figure)


def _plot_latencies(latencies_ms: list[float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist([v / 1000 for v in latencies_ms], bins=min(30, max(5, len(latencies_ms))))
    axis.set_xlabel("fault -> notification delivered (s)")
    axis.set_ylabel("alerts")
    return _png(figure)
