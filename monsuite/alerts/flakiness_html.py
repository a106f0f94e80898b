"""The flakiness report as a page: pass rate per scenario and the distribution of its stages across runs."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import jinja2

from monsuite.alerts.report import COLUMNS
from monsuite.userio.outputs import write_atomic

PLOTTED = (("fault_to_delivered", "fault -> delivered"), ("firing_to_delivered", "firing -> delivered"))

PAGE = jinja2.Template("""<!doctype html>
<html><head><meta charset="utf-8"><title>monsuite flakiness: {{ s.stack }}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.45em; text-align: right; }
td.text, th.text { text-align: left; }
.good { color: #1a7f37; } .bad { color: #cf222e; font-weight: bold; }
</style></head><body>
<h1>Alert campaign repeated: stack {{ s.stack }}</h1>
<p>{{ s.repetitions }} repetitions ({{ s.mode }}), profile {{ s.profile }}{% if s.stress %}, beside <code>{{ s.stress }}</code>{% endif %}.
Campaign wall time p50 {{ s.campaign_seconds.p50 }} s, max {{ s.campaign_seconds.max }} s.
<b class="{{ 'good' if s.all_passed else 'bad' }}">{{ "Every scenario passed every run." if s.all_passed else "Some scenarios failed." }}</b></p>
{% for title, png in plots %}<h2>{{ title }} (ms, one box per scenario across runs)</h2>
<img alt="{{ title }}" src="data:image/png;base64,{{ png }}">{% endfor %}
<h2>Per scenario: pass rate and p50 / p95 / max of each stage (ms)</h2>
<table><tr><th class="text">scenario</th><th>passed</th>{% for _, title in columns %}<th>{{ title }}</th>{% endfor %}<th class="text">failures</th></tr>
{% for name, e in s.scenarios.items() %}<tr><td class="text">{{ name }}</td>
<td class="{{ 'good' if e.passed + e.skipped == e.runs else 'bad' }}">{{ e.passed }}/{{ e.runs - e.skipped }}</td>
{% for key, _ in columns %}<td>{% set d = e.stages.get(key) %}{% if d %}{{ d.p50|round|int }} / {{ d.p95|round|int }} / {{ d.max|round|int }}{% else %}-{% endif %}</td>{% endfor %}
<td class="text">{% for f in e.failures %}run {{ f.run }}: {{ f.problems|join("; ") }}<br>{% endfor %}</td></tr>{% endfor %}
</table>
<h2>Allowances each run measured</h2>
<ol>{% for a in s.allowances %}<li>{{ a.source }}: {{ a.why }}</li>{% endfor %}</ol>
</body></html>
""")


def write_html(summary: dict, path: Path) -> Path:
    plots = [(title, _boxes(summary, key, title)) for key, title in PLOTTED]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, PAGE.render(s=summary, plots=plots, columns=COLUMNS))
    return path


def _boxes(summary: dict, stage: str, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, e in summary["scenarios"].items() if e["stages"].get(stage)]
    data = [summary["scenarios"][n]["stages"][stage]["values"] for n in names]
    fig, ax = plt.subplots(figsize=(10, 0.32 * max(len(names), 3) + 1.2))
    if data:
        ax.boxplot(data, orientation="horizontal", tick_labels=names, showfliers=True, whis=(0, 100))
    ax.invert_yaxis()
    ax.set_xlabel(f"{title}, ms")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()
