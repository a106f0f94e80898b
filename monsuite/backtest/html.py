"""A backtest as an HTML page: per alert, its firing intervals on one time axis, the rule file judged above
its baseline (when given), so a change's extra or missing firings show where they fall."""

from __future__ import annotations

import jinja2

from monsuite.backtest.delivery import Delivered
from monsuite.backtest.output import iso
from monsuite.backtest.run import Backtest

WIDTH, ROW, LEFT = 1000, 14, 4


def page(now: Backtest, before: Backtest | None = None, delivered: Delivered | None = None,
         delivered_before: Delivered | None = None) -> str:
    span = max(now.end - now.start, 1.0)

    def x_of(at: float) -> float:
        return round(LEFT + (max(at, now.start) - now.start) / span * WIDTH, 1)

    def marks(sent: Delivered | None, receiver: str) -> list[dict]:
        return [{"x": x_of(n.at), "width": 1.5, "title": f"{iso(n.at)}: {n.firing} firing, {n.resolved} resolved "
                                           + " ".join(f"{k}={v}" for k, v in n.group)}
                for n in (sent.notifications if sent else []) if n.receiver == receiver]

    def bars(backtest: Backtest | None, alert: str) -> list[dict]:
        if backtest is None:
            return []
        made = []
        for result in (r for r in backtest.results if r.rule.alert == alert):
            for firing in result.firings:
                ends = firing.resolved_at if firing.resolved_at is not None else backtest.end
                made.append({"x": x_of(firing.fired_at), "width": round(max(1.0, (ends - max(firing.fired_at, now.start)) / span * WIDTH), 1),
                             "title": f"{iso(firing.fired_at)} .. {iso(firing.resolved_at) or 'still firing'} "
                                      + " ".join(f"{k}={v}" for k, v in firing.labels)})
        return made

    alerts = list(dict.fromkeys(r.rule.alert for r in now.results))
    rows = [{"alert": a, "now": bars(now, a), "before": bars(before, a)} for a in alerts]
    shown = slice(11, 19) if span < 3600 else slice(5, 16) if span < 3 * 86_400 else slice(0, 10)
    ticks = [{"x": round(LEFT + i / 4 * WIDTH, 1), "label": iso(now.start + i / 4 * span)[shown],
              "anchor": ("start", "middle", "middle", "middle", "end")[i]} for i in range(5)]
    receivers = [{"name": r, "now": marks(delivered, r), "before": marks(delivered_before, r)}
                 for r in (delivered.receivers if delivered else [])]
    return PAGE.render(rows=rows, ticks=ticks, start=iso(now.start)[:19], end=iso(now.end)[:19],
                       baseline=before is not None, width=WIDTH + 2 * LEFT, row=ROW, receivers=receivers)


PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html><head><meta charset="utf-8"><title>monsuite backtest {{ start }} .. {{ end }}</title>
<style>body { font-family: sans-serif; margin: 2em; color: #222; } h2 { font-size: 1em; margin: 1em 0 0.2em; }
.now { fill: #cf222e; } .before { fill: #8c959f; } text { font-size: 10px; fill: #555; }</style></head><body>
<h1>Backtest {{ start }} .. {{ end }}</h1>
<p>Each bar is one firing interval{% if baseline %}: <span style="color:#cf222e">the rule files judged</span> above,
<span style="color:#8c959f">the baseline</span> below{% endif %}. Hover a bar for its times and labels.</p>
<svg width="{{ width }}" height="24"><g>{% for t in ticks %}<text x="{{ t.x }}" y="12" text-anchor="{{ t.anchor }}">{{ t.label }}</text>{% endfor %}</g></svg>
{% macro track(now, before) %}<svg width="{{ width }}" height="{{ row * (2 if baseline else 1) + 2 }}">
<rect x="0" y="0" width="{{ width }}" height="{{ row * (2 if baseline else 1) + 2 }}" fill="#f6f8fa"/>
{% for b in now %}<rect class="now" x="{{ b.x }}" y="1" width="{{ b.width }}" height="{{ row - 2 }}"><title>{{ b.title }}</title></rect>{% endfor %}
{% for b in before %}<rect class="before" x="{{ b.x }}" y="{{ row + 1 }}" width="{{ b.width }}" height="{{ row - 2 }}"><title>{{ b.title }}</title></rect>{% endfor %}
</svg>{% endmacro %}
{% for r in rows %}<h2>{{ r.alert }}: {{ r.now|length }} firings{% if baseline %} (baseline {{ r.before|length }}){% endif %}</h2>
{{ track(r.now, r.before) }}{% endfor %}
{% if receivers %}<h1>Notifications per receiver</h1><p>Each mark is one notification the Alertmanager config would have sent.</p>
{% for r in receivers %}<h2>{{ r.name }}: {{ r.now|length }} notifications{% if baseline %} (baseline {{ r.before|length }}){% endif %}</h2>
{{ track(r.now, r.before) }}{% endfor %}{% endif %}
</body></html>
""")
