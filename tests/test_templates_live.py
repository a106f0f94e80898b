"""Notification templates through a real Alertmanager: broken templates (mutants of the default stack's)
each caught, amtool reading every text field the same, and the command line."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import monsuite
from monsuite.components import build
from monsuite.errors import UserError
from monsuite.templates.amtool import amtool_beside, read_again
from monsuite.templates.check import check_stack

DEFAULT = Path(monsuite.__file__).parent / "stacks" / "default"
DEBIAN_ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def mutant(tmp_path: Path, file: str, old: str, new: str) -> Path:
    stack = tmp_path / "stack"
    shutil.copytree(DEFAULT, stack)
    path = stack / file
    text = path.read_text()
    assert old in text and old != new, f"the mutation's text is not in {file}, or changes nothing"
    path.write_text(text.replace(old, new, 1))
    return stack


TEMPLATE, CONFIG = "templates/windmill.tmpl", "alertmanager.yml.j2"
SLACK_TITLE = "title: '{% raw %}{{ template \"windmill.title\" . }}{% endraw %}'\n        text"
DISCORD_TITLE = "title: '{% raw %}{{ template \"windmill.title\" . }}{% endraw %}'\n        message"
# (what breaks, file, text, broken text, receivers rendered, the finding kind that catches it or "golden")
MUTANTS = [
    ("a template name misspelt in the Slack title", CONFIG, SLACK_TITLE, SLACK_TITLE.replace('windmill.title"', 'windmill.titel"'),
     ["slack"], "template-error"),
    ("an annotation no alert has", TEMPLATE, "runbook: {{ .Annotations.runbook_url }}",
     "runbook: {{ .Annotations.runbook }}", ["slack"], "missing-reference"),
    ("a misspelt label", TEMPLATE, "({{ .CommonLabels.severity }})", "({{ .CommonLabels.severty }})", ["slack"],
     "missing-reference"),
    ("the status removed from the title", TEMPLATE,
     '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ', "", ["slack"],
     "resolved-like-firing"),
    ("a Discord title over 256 characters", CONFIG, DISCORD_TITLE,
     DISCORD_TITLE.replace('. }}{%', '. }} {{ printf "%0300d" 0 }}{%'),
     ["discord"], "too-long"),
    ("a label the route does not group by", CONFIG, DISCORD_TITLE,
     DISCORD_TITLE.replace('{{ template "windmill.title" . }}', '{{ .GroupLabels.instance }}'), ["discord"],
     "missing-reference"),
    ("a field that always renders empty", CONFIG, SLACK_TITLE,
     SLACK_TITLE.replace("        text", "        pretext: '{% raw %}{{ if eq .Status \"never\" }}x{{ end }}{% endraw %}'\n        text"),
     ["slack"], "empty"),
    ("a link to a dashboard the stack does not have", TEMPLATE, "dashboard: {{ .Annotations.dashboard_url }}",
     "dashboard: https://grafana.windmill-platform.io/d/no-such-dashboard", ["slack"], "link"),
    ("an email link whose href is empty", TEMPLATE, '<a href="{{ .Annotations.runbook_url }}">',
     '<a href="{{ .Annotations.playbook_url }}">', ["database-team"], "link"),
    ("a word changed in the text", TEMPLATE, "runbook: {{", "run book: {{", ["slack"], "golden"),
    ("resolved notices switched off for Discord", CONFIG, "discord_configs:\n      - webhook_url: '{{ sink }}/discord/discord'\n        send_resolved: true",
     "discord_configs:\n      - webhook_url: '{{ sink }}/discord/discord'\n        send_resolved: false", ["discord"], "golden"),
    ("the root route grouped differently", CONFIG, "group_by: [alertname, cluster, service]", "group_by: [alertname]",
     ["webhook", "infrastructure-team"], "golden"),
]


@pytest.mark.parametrize("what,file,old,new,receivers,caught_by", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_broken_template_is_caught(tmp_path, what, file, old, new, receivers, caught_by):
    report = check_stack(mutant(tmp_path, file, old, new), receivers=receivers, alertmanager=DEBIAN_ALERTMANAGER)
    if caught_by == "golden":
        assert report.mismatches and not report.findings, report.findings
    else:
        assert caught_by in {f.kind for f in report.findings}, [f.line() for f in report.findings]
    assert report.failed


def test_a_misspelt_function_is_refused_with_alertmanagers_reason(tmp_path):
    stack = mutant(tmp_path, TEMPLATE, "{{ .Status | toUpper }}", "{{ .Status | toUppr }}")
    with pytest.raises(UserError, match=r'alertmanager.yml.j2: Alertmanager refuses it: .*function "toUppr" not defined'):
        check_stack(stack, alertmanager=DEBIAN_ALERTMANAGER)


def test_the_unbroken_default_stack_passes_against_its_golden_files():
    report = check_stack(DEFAULT, alertmanager=DEBIAN_ALERTMANAGER)
    assert not report.findings and report.mismatches == []
    assert len(report.run.rendered) >= 100 and {c.receiver for c in report.run.cases} >= {"slack", "pagerduty", "discord"}


def _releases():
    current = build.binary("alertmanager", "alertmanager")
    return [DEBIAN_ALERTMANAGER] + ([current] if current and Path(current).exists() else [])


@pytest.mark.parametrize("alertmanager", _releases(), ids=lambda b: "current" if "cache" in b else "debian")
def test_amtool_renders_every_text_field_as_alertmanager_sent_it(alertmanager):
    report = check_stack(DEFAULT, alertmanager=alertmanager, compare=False)
    one = [r for r in report.run.rendered if not r.case.several]
    readings = read_again(one, list(report.config.config["templates"]), amtool_beside(alertmanager))
    assert len(readings) >= 100
    assert [(x.rendered.case.slug, x.field, x.error or x.amtool) for x in readings if not x.agrees] == []


def monsuite_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monsuite", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_the_commands_verdicts_annotations_and_page(tmp_path):
    stack = mutant(tmp_path, TEMPLATE, "({{ .CommonLabels.severity }})", "({{ .CommonLabels.severty }})")
    said = monsuite_cli("templates", "test", "--stack", str(stack), "--receiver", "slack", "--format", "github", cwd=tmp_path)
    assert said.returncode == 1, said.stderr
    assert "FAILED missing-reference: slack · slack[0] attachments[0].title" in said.stdout
    assert "::error file=" in said.stdout and "golden file differs" in said.stdout
    out = tmp_path / "rendered"
    said = monsuite_cli("templates", "render", "--stack", str(stack), "--receiver", "slack", "--out", str(out), cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    page = (out / "index.html").read_text()
    assert "slack[0] attachments[0].title" in page and "missing-reference" in page
    assert json.loads((out / "findings.json").read_text())["findings"]
    assert (out / "slack" / "WindmillPlatformHighErrorRate.one.firing.txt").read_text().startswith("# slack · ")


@pytest.mark.parametrize("args,said", [
    (["--receiver", "nobody"], "--receiver nobody: "),
    (["--rules", str(DEFAULT / "rules" / "escalation.yml")], "--rules goes with --alertmanager-config"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, said):
    result = monsuite_cli("templates", "render", "--stack", str(DEFAULT), "--out", str(tmp_path / "o"), *args, cwd=tmp_path)
    assert result.returncode == 2 and said in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "o").exists()


def test_a_template_file_that_does_not_parse_is_one_line_and_exit_2(tmp_path):
    stack = mutant(tmp_path, TEMPLATE, '{{ define "windmill.title" }}', '{{ define "windmill.title" }}{{ if }}')
    result = monsuite_cli("templates", "test", "--stack", str(stack), cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "alertmanager.yml.j2: Alertmanager refuses it" in result.stderr and "windmill.tmpl" in result.stderr


CURRENT_ALERTMANAGER = build.binary("alertmanager", "alertmanager")


@pytest.mark.skipif(not (CURRENT_ALERTMANAGER and Path(CURRENT_ALERTMANAGER).exists()),
                    reason="Microsoft Teams needs Alertmanager >= 0.26: `monsuite components build alertmanager` builds it")
def test_teams_and_opsgenie_are_rendered_from_a_plain_config(tmp_path):
    from monsuite.templates.check import check
    from monsuite.templates.config import read_config

    (tmp_path / "alertmanager.yml").write_text("""
route: {receiver: teams, group_by: [alertname], routes: [{receiver: ops, matchers: ['severity="critical"'], continue: true},
                                                          {receiver: teams, matchers: ['severity="critical"']}]}
receivers:
  - name: teams
    msteams_configs:
      - webhook_url: https://example.webhook.office.com/webhookb2/x
        title: '{{ .CommonLabels.alertname }} is {{ .Status }}'
        text: '{{ range .Alerts }}{{ .Annotations.summary }} {{ end }}'
  - name: ops
    opsgenie_configs:
      - api_key: not-a-real-key
        message: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}'
        details: {runbook: '{{ .CommonAnnotations.runbook }}'}
""")
    rules = [DEFAULT / "rules" / "windmill-platform.yml"]
    tests = sorted((DEFAULT / "rule-tests").glob("*.yml"))
    report = check(read_config(tmp_path / "alertmanager.yml"), rules, tests, [], alertmanager=CURRENT_ALERTMANAGER)
    sent = {(r.integration.kind, r.state) for r in report.run.rendered if r.fields is not None}
    assert {("msteams_configs", "firing"), ("msteams_configs", "resolved"), ("opsgenie_configs", "firing"),
            ("opsgenie_configs", "resolved")} <= sent
    teams = report.document("teams", "WindmillPlatformAPIDown", "resolved").fields
    assert teams["msteams[0] title"] == "WindmillPlatformAPIDown is resolved"
    opsgenie = report.document("ops", "WindmillPlatformAPIDown").fields
    assert opsgenie["opsgenie[0] message"] == "WindmillPlatformAPIDown: Windmill Platform API is down"
    assert any(f.kind == "missing-reference" and "runbook" in f.message for f in report.findings)  # it is runbook_url
    assert report.config.unserved == []
