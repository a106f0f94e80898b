"""A template check told: the summary lines, and an output folder with one text file per notification,
the findings and an HTML page showing each notification as its reader sees it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jinja2

from monsuite.templates.check import TemplateReport
from monsuite.templates.findings import KINDS

SLACK_COLOURS = {"good": "#2eb886", "warning": "#daa038", "danger": "#a30200"}


def summary_lines(report: TemplateReport, source: str) -> list[str]:
    run, found = report.run, report.examples
    receivers = sorted({c.receiver for c in run.cases})
    s = report.seconds
    lines = [f"{source}: {len(found.alerts)} example alerts, {len(run.cases)} cases over {len(receivers)} receivers, "
             f"{len(run.rendered)} notifications rendered in {s.get('total', 0):.1f} s (examples {s.get('examples', 0):.1f} s, "
             f"routing {s.get('routing', 0):.1f} s, Alertmanager {s.get('render', 0):.1f} s: {run.alertmanager})"]
    for rule, why in found.missing:
        lines.append(f"  NOT RENDERED alert {rule.alert}: {why}")
    for unserved in report.config.unserved:
        lines.append(f"  NOT RENDERED {unserved}: the local sinks do not receive this integration")
    idle = [r for r in report.config.receivers if r not in receivers]
    if idle:
        lines.append(f"  no example alert is routed to {', '.join(idle)}")
    for (kind, receiver, where, message), cases in _grouped(report.findings).items():
        lines.append(f"  FAILED {kind}: {receiver} · {where} · {_cases(cases)}: {message}")
    for (kind, receiver, where, why), cases in _grouped(report.accepted).items():
        lines.append(f"  ACCEPTED {kind}: {receiver} · {where} · {_cases(cases)} (accepted: {why})")
    for mismatch in report.mismatches or []:
        lines += ["  DIFFERS " + mismatch.lines()[0], *["    " + line for line in mismatch.lines()[1:]]]
    counts = Counter(f.kind for f in report.findings)
    verdict = "FAILED" if report.failed else "PASSED"
    told = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no findings"
    golden = ("" if report.mismatches is None else
              f"; golden files: {len(report.mismatches)} differences" if report.mismatches else "; golden files: all equal")
    lines.append(f"  {verdict}: {told}{', %d accepted' % len(report.accepted) if report.accepted else ''}{golden}")
    return lines


def _grouped(findings) -> dict[tuple, list[str]]:
    """Findings that say the same of several notifications, told once: (kind, receiver, where, message or
    why) -> the notifications ("case state")."""
    grouped: dict[tuple, list[str]] = {}
    for item in findings:
        finding, said = item if isinstance(item, tuple) else (item, item.message)
        grouped.setdefault((finding.kind, finding.receiver, finding.where, said), []).append(f"{finding.case} {finding.state}")
    return grouped


def _cases(cases: list[str], shown: int = 3) -> str:
    more = f" and {len(cases) - shown} more" if len(cases) > shown else ""
    return ", ".join(cases[:shown]) + more


def write_folder(report: TemplateReport, out: Path, title: str) -> None:
    """Into `out` (a new folder, filled in place by the caller): the files, findings.json, index.html."""
    for document in report.documents:
        target = out / document.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(document.text())
    (out / "findings.json").write_text(json.dumps({
        "findings": [vars(f) | {"key": f.key} for f in report.findings],
        "accepted": [vars(f) | {"key": f.key, "why": why} for f, why in report.accepted],
        "seconds": report.seconds, "notifications": len(report.run.rendered), "cases": len(report.run.cases),
    }, indent=2))
    (out / "index.html").write_text(page(report, title))


def page(report: TemplateReport, title: str) -> str:
    by_case: dict[tuple[str, str], dict] = {}
    for rendered in report.run.rendered:
        entry = by_case.setdefault((rendered.case.receiver, rendered.case.slug), {"case": rendered.case, "states": {}})
        entry["states"].setdefault(rendered.state, []).append(rendered)
    findings_of: dict[tuple[str, str], list] = {}
    for finding in report.findings:
        findings_of.setdefault((finding.receiver, finding.case), []).append(finding)
    return PAGE.render(title=title, report=report, cases=by_case, findings_of=findings_of, kinds=KINDS,
                       colour=_colour, findings=_grouped(report.findings), accepted=_grouped(report.accepted))


def _colour(value: str) -> str:
    if value.isdigit():
        return f"#{int(value):06x}"
    return SLACK_COLOURS.get(value, value if value.startswith("#") else "#ccc")


PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.message { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em; margin: 0.4em 0; background: #fafafa; }
.slack { border-left: 5px solid var(--c); background: #fff; }
.discord { border-left: 4px solid var(--c); background: #2f3136; color: #dcddde; }
.title { font-weight: bold; margin-bottom: 0.3em; }
.text { white-space: pre-wrap; font-family: inherit; margin: 0; }
.meta { color: #666; font-size: 0.85em; }
iframe { width: 100%; height: 320px; border: 1px solid #ccc; background: #fff; }
.finding { color: #cf222e; } .accepted { color: #9a6700; }
table { border-collapse: collapse; font-size: 0.85em; } td { border: 1px solid #ddd; padding: 0.2em 0.4em; vertical-align: top; }
</style></head><body>
<h1>{{ title }}</h1>
<p>{{ report.run.rendered|length }} notifications, {{ report.run.cases|length }} cases, rendered by {{ report.run.alertmanager }}
in {{ "%.1f"|format(report.seconds.render) }} s. Findings: {{ report.findings|length }}{% if report.accepted %}, accepted: {{ report.accepted|length }}{% endif %}.</p>
{% if findings %}<h2>Findings</h2><ul>
{% for (kind, receiver, where, message), cases in findings.items() %}<li class="finding"><b>{{ kind }}</b> ({{ kinds[kind] }}):
{{ receiver }} &middot; {{ where }}: {{ message }} <span class="meta">({{ cases|join(", ") }})</span></li>{% endfor %}</ul>{% endif %}
{% if accepted %}<details><summary>{{ report.accepted|length }} findings the stack accepts (templates/accepted.yaml)</summary><ul>
{% for (kind, receiver, where, why), cases in accepted.items() %}<li class="accepted"><b>{{ kind }}</b>: {{ receiver }} &middot;
{{ where }} &mdash; {{ why }} <span class="meta">({{ cases|join(", ") }})</span></li>{% endfor %}</ul></details>{% endif %}
{% for (receiver, slug), entry in cases.items() %}
<h2 id="{{ receiver }}-{{ slug }}">{{ receiver }} &middot; {{ entry.case.title }}</h2>
{% for f in findings_of.get((receiver, slug), []) %}<p class="finding">{{ f.kind }}: {{ f.where }} &mdash; {{ f.message }}</p>{% endfor %}
<div class="pair">
{% for state in ("firing", "resolved") %}<div><h3>{{ state }}</h3>
{% for r in entry.states.get(state, []) %}{% set f = r.fields %}
{% if f is none %}<div class="message finding">{{ r.integration.label }}: not sent &mdash; {{ r.error }}</div>
{% elif r.integration.kind == "email_configs" %}<div class="message"><div class="meta">{{ r.integration.label }}</div>
<div class="title">Subject: {{ f.subject }}</div>
{% if f.html %}<iframe sandbox srcdoc="{{ f.html }}"></iframe>{% endif %}{% if f.text %}<pre class="text">{{ f.text }}</pre>{% endif %}</div>
{% elif r.integration.kind == "slack_configs" %}<div class="message slack" style="--c: {{ colour(f.get('attachments[0].color', '')) }}">
<div class="meta">{{ r.integration.label }} {{ f.get('channel', '') }}</div>{% if f.get('attachments[0].pretext') %}<pre class="text">{{ f['attachments[0].pretext'] }}</pre>{% endif %}
<div class="title">{% if f.get('attachments[0].title_link') %}<a href="{{ f['attachments[0].title_link'] }}">{{ f.get('attachments[0].title', '') }}</a>{% else %}{{ f.get('attachments[0].title', '') }}{% endif %}</div>
<pre class="text">{{ f.get('attachments[0].text', '') }}</pre>{% if f.get('attachments[0].footer') %}<div class="meta">{{ f['attachments[0].footer'] }}</div>{% endif %}</div>
{% elif r.integration.kind == "discord_configs" %}<div class="message discord" style="--c: {{ colour(f.get('embeds[0].color', '')) }}">
<div class="meta">{{ r.integration.label }}</div>{% if f.get('content') %}<pre class="text">{{ f['content'] }}</pre>{% endif %}
<div class="title">{{ f.get('embeds[0].title', '') }}</div><pre class="text">{{ f.get('embeds[0].description', '') }}</pre></div>
{% else %}<div class="message"><div class="meta">{{ r.integration.label }}</div><table>
{% for name, value in f.items() %}<tr><td>{{ name }}</td><td><pre class="text">{{ value }}</pre></td></tr>{% endfor %}</table></div>
{% endif %}{% endfor %}</div>{% endfor %}
</div>{% endfor %}
</body></html>
""")
