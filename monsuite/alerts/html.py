"""The alert campaign as an HTML page: a timeline bar per scenario (stage by stage, with its
worst-case floor) and the verdict table."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import jinja2

from monsuite.alerts.campaign import Campaign, coverage
from monsuite.alerts.report import COLUMNS
from monsuite.userio.outputs import write_atomic

SEGMENTS = (  # (label, from stage, to stage, colour)
    ("fault -> expression true", "fault", "active", "#9ecae1"),
    ("for (pending)", "active", "firing", "#fdae6b"),
    ("Prometheus -> Alertmanager", "firing", "alertmanager", "#74c476"),
    ("Alertmanager -> receiver", "alertmanager", "delivered", "#9e9ac8"),
)

PAGE = jinja2.Template("""<!doctype html>
<html><head><meta charset="utf-8"><title>monsuite alert conformance: {{ stack }}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
td.text, th.text { text-align: left; }
.passed { color: #1a7f37; } .failed { color: #cf222e; font-weight: bold; } .skipped { color: #888; }
</style></head><body>
<h1>Alert conformance: stack {{ stack }}</h1>
<p>Profile {{ profile.name }} (time scale {{ profile.time_scale }}): scrape {{ profile.scrape_interval }}, evaluation
{{ profile.evaluation_interval }}, group_wait {{ profile.group_wait }}. Campaign {{ "%.1f"|format(seconds) }} s.</p>
<p><b>Alert coverage: {{ cov.alerts_exercised }}/{{ cov.alerts_defined }} alert rules ({{ "%.0f"|format(cov.ratio * 100) }} %)</b>
{% if cov.without_passing_scenario %} &mdash; without a passing scenario: {{ cov.without_passing_scenario|join(", ") }}{% endif %}</p>
<h2>How the verdicts were decided</h2>
<p>Hard gates come from the configuration and the scenarios: fires, labels, annotations, exactly its receivers,
resolves, firing &rarr; delivered within the budget, fault &rarr; delivered within notify_within.
Precision gates compare stage times with the configured floors (group_wait; S+E+F+G+ramp+delay) plus an allowance
that this run measured: <b>{{ allowances.source }}</b> &mdash; {{ allowances.why }}.
Phases run in order: {% for phase in phases %}[{{ phase|join(", ") }}]{% if not loop.last %} &rarr; {% endif %}{% endfor %}.</p>
<img alt="stage timeline per scenario" src="data:image/png;base64,{{ plot }}">
<h2>Stages (ms, from the components' own timestamps)</h2>
<table><tr><th class="text">scenario</th><th class="text">alert</th><th class="text">result</th>
{% for _, title in columns %}<th>{{ title }}</th>{% endfor %}<th>worst floor</th><th>allowed +</th><th class="text">receivers</th><th class="text">problems</th></tr>
{% for r in results %}<tr><td class="text">{{ r.scenario }}</td><td class="text">{{ r.alert }}</td>
<td class="text {{ r.status }}">{{ r.status }}</td>
{% for key, _ in columns %}<td>{{ fmt(r.stages_ms[key]) }}</td>{% endfor %}
<td>{{ fmt(r.floors_ms.worst_total_ms if r.floors_ms else None) }}</td>
<td>{{ fmt(r.allowance_ms.pipeline) if r.allowance_ms else "-" }} / {{ fmt(r.allowance_ms.total) if r.allowance_ms else "-" }}</td>
<td class="text">{{ r.receivers_firing|join(", ") }}</td>
<td class="text">{{ (r.problems + ([r.reason] if r.reason else []))|join("; ") }}</td></tr>{% endfor %}
</table></body></html>
""")


def write_html(campaign: Campaign, path: Path) -> Path:
    results = [r.to_dict() for r in campaign.results.values()]
    html = PAGE.render(
        stack=campaign.stack.manifest.name, profile=campaign.stack.profile_values, seconds=campaign.seconds,
        cov=coverage(campaign.results, campaign.rules), plot=_timeline_png(campaign), results=results, columns=COLUMNS,
        fmt=lambda v: "-" if v is None else f"{v:.0f}", allowances=campaign.allowances.to_dict(), phases=campaign.phases,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, html)
    return path


def _timeline_png(campaign: Campaign) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = [r for r in campaign.results.values() if r.status != "skipped"]
    fig, ax = plt.subplots(figsize=(10, 0.4 * max(4, len(results)) + 1))
    for row, result in enumerate(results):
        times = dict(result.times)
        times["delivered"] = max(times["delivered"].values()) if times.get("delivered") else None
        for label, start, end, colour in SEGMENTS:
            if times.get(start) is not None and times.get(end) is not None:
                left = (times[start] - times["fault"]) * 1000
                ax.barh(row, (times[end] - times[start]) * 1000, left=left, color=colour,
                        label=label if row == 0 else None)
        if result.floors:
            in_place = (times.get("fault_in_place") or times["fault"]) - times["fault"]
            limit = result.floors.worst_total_ms + result.allowance_ms.get("total", 0)
            ax.plot([in_place * 1000 + limit] * 2, [row - 0.4, row + 0.4], color="#cf222e", linewidth=2,
                    label="worst case + allowance" if row == 0 else None)
    ax.set_yticks(range(len(results)), [r.scenario for r in results])
    ax.invert_yaxis()
    ax.set_xlabel("ms after the fault")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()
