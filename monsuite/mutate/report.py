"""The mutation run as JSON (machines) and an HTML page (people): the score, and per rule the mutants
made, killed, and each survivor in one line."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from monsuite.deployed.rules import locate
from monsuite.mutate.runner import Run, summary
from monsuite.userio.ciformat import Case, Finding
from monsuite.userio.outputs import write_atomic

PAGE = jinja2.Template("""<!doctype html>
<html><head><meta charset="utf-8"><title>monsuite mutation score</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
.full { color: #1a7f37; } .weak { color: #cf222e; font-weight: bold; }
</style></head><body>
<h1>Mutation score: {{ "%.1f" % (100 * data.score) }} %</h1>
<p>{{ data.killed }} of {{ data.mutants }} mutants of {{ data.rules | length }} alert rules noticed by the tests
({{ "%.1f" % data.mutants_per_second }} mutants/s, {{ "%.1f" % data.seconds }} s).</p>
{% if data.untested_rules %}<p class="weak">Alert rules no test checks: {{ data.untested_rules | join(", ") }}</p>{% endif %}
<table><tr><th>alert rule</th><th>killed / made</th><th>survivors</th></tr>
{% for rule in data.rules %}<tr><td>{{ rule.alert }}</td>
<td class="{{ 'full' if rule.killed == rule.made else 'weak' }}">{{ rule.killed }} / {{ rule.made }}</td>
<td>{% for s in rule.survivors %}{{ s }}<br>{% endfor %}</td></tr>
{% endfor %}</table>
{% if data.routes.mutants %}<h2>Routing tree: {{ data.routes.killed }} / {{ data.routes.mutants }} mutants killed</h2>
<ul>{% for s in data.routes.survivors %}<li>{{ s }}</li>{% endfor %}</ul>{% endif %}
{% if data.live.mutants %}<h2>Live (Alertmanager timing): {{ data.live.killed }} / {{ data.live.mutants }} mutants killed</h2>
<ul>{% for v in data.live.verdicts %}<li>{{ v.mutant }}: {{ "killed by " ~ v.failed_scenarios | join(", ") if v.killed else "undecided: " ~ v.undecided if v.undecided else "survived" }}</li>{% endfor %}</ul>{% endif %}
</body></html>
""", autoescape=True)


def as_dict(run: Run) -> dict:
    rules = summary(run)
    return {"score": run.score, "mutants": len(run.verdicts), "killed": sum(v.killed for v in run.verdicts),
            "seconds": run.seconds, "mutants_per_second": run.per_second, "untested_rules": run.untested_rules,
            "rules": rules,
            "routes": {"mutants": len(run.routes), "killed": sum(v.killed for v in run.routes),
                       "survivors": [f"{v.description} not detected by any routing case" for v in run.routes if not v.killed]},
            "live": {"mutants": len(run.live), "killed": sum(v.killed for v in run.live),
                     "verdicts": [{"mutant": v.description, "killed": v.killed, "failed_scenarios": list(v.failed_scenarios),
                                   "undecided": v.undecided} for v in run.live],
                     "undecided": [f"{v.description}: {v.undecided}" for v in run.live if v.undecided],
                     "survivors": [f"{v.description} not detected by any live scenario" for v in run.live
                                   if not v.killed and not v.undecided]}}


def write_json(run: Run, path: Path) -> None:
    write_atomic(Path(path), json.dumps(as_dict(run), indent=2))


def write_html(run: Run, path: Path) -> None:
    write_atomic(Path(path), PAGE.render(data=as_dict(run)))


def lines(run: Run) -> list[str]:
    data = as_dict(run)
    out = []
    for rule in data["rules"]:
        out.append(f"{rule['killed']:>3}/{rule['made']:<3} {rule['alert']}")
        out += [f"        survivor: {s}" for s in rule["survivors"]]
    out += [f"  no test checks: {alert}" for alert in data["untested_rules"]]
    untested = len(data["untested_rules"])
    out.append(f"mutation score {100 * data['score']:.1f}% ({data['killed']}/{data['mutants']} killed) "
               f"in {data['seconds']:.1f} s, {data['mutants_per_second']:.1f} mutants/s; "
               + (f"{untested} of {len(data['rules'])} alert rules have no test (their mutants count as survived)"
                  if untested else "every alert rule has a test"))
    routes = data["routes"]
    if routes["mutants"]:
        out += [f"        survivor: {s}" for s in routes["survivors"]]
        out.append(f"routing mutants: {routes['killed']}/{routes['mutants']} killed by the routing cases")
    live = data["live"]
    if live["mutants"]:
        out += [f"        survivor: {s}" for s in live["survivors"]]
        out += [f"        undecided: {s}" for s in live["undecided"]]
        out.append(f"live mutants: {live['killed']}/{live['mutants']} killed by the stack's scenarios"
                   + (f", {len(live['undecided'])} undecided (the machine was too busy to tell)" if live["undecided"] else ""))
    return out


def ci_results(run: Run, min_score: float) -> tuple[list[Finding], list[Case]]:
    """Each surviving mutant a warning on its alert rule's line in the user's file (a manifest's line for a
    PrometheusRule); each mutant a JUnit case; a score under --min-score an error."""
    findings, cases = [], []
    for verdict in run.verdicts:
        rule = verdict.mutant.rule
        file, line = locate(rule.file, rule.alert or rule.record or "")
        description = f"{verdict.mutant.kind}: {verdict.mutant.description}"
        if not verdict.killed:
            findings.append(Finding("warning", file, line, "mutant survived",
                                    f"{rule.alert}: no test notices {description}"))
        cases.append(Case(f"mutants {file}", f"{rule.alert}: {description}",
                          "" if verdict.killed else "survived: no test failed", file, line))
    if run.verdicts and run.score < min_score:
        first = run.verdicts[0].mutant.rule
        file, line = locate(first.file, "")
        findings.append(Finding("error", file, line, "mutation score",
                                f"mutation score {100 * run.score:.1f}% is below --min-score {100 * min_score:.1f}%"))
    return findings, cases
