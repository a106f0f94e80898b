"""Notification templates without an Alertmanager: what a template reads, the golden file format and its
comparison, the findings on rendered notifications, and Alertmanager's failure lines (recorded from 0.25)."""

from pathlib import Path

import pytest

from monsuite.errors import UserError
from monsuite.rules.model import Rule
from monsuite.templates import golden
from monsuite.templates.bench import Rendered, RenderRun, batches, failures_in
from monsuite.templates.cases import Case, Posted, _other_value, siblings
from monsuite.templates.check import Accepted, read_accepted
from monsuite.templates.config import Integration, TemplateConfig, read_config, route_for
from monsuite.templates.examples import ExampleAlert
from monsuite.templates.findings import find
from monsuite.templates.references import definitions, references

RULE = Rule(file="r.yml", group="g", group_interval_ms=None, expr='up{job="api"} == 0', alert="ApiDown")


def example(**labels) -> ExampleAlert:
    return ExampleAlert({"alertname": "ApiDown", "severity": "critical", "instance": "api-1:8000", **labels},
                        {"summary": "API down", "runbook_url": "https://runbooks.example/api"}, RULE, "test")


def case(receiver="slack", several=False, group_by=("alertname",), alerts=None) -> Case:
    alerts = alerts or ([Posted(e.labels, e.annotations, e) for e in [example()]] if not several else siblings(example()))
    made = Case(receiver, alerts, list(group_by), several)
    made.slug = f"ApiDown.{'several' if several else 'one'}"
    return made


def integration(kind="slack_configs", key="i0", receiver="slack", **entry) -> Integration:
    return Integration(key, receiver, kind, 0, entry)


def run_of(*rendered: Rendered, templates=()) -> RenderRun:
    config = TemplateConfig({"receivers": [{"name": "slack"}], "templates": list(templates)}, Path("am.yml"), [], [])
    return RenderRun(config, [r.case for r in rendered], list(rendered))


# ---- what a template reads -------------------------------------------------------------------------------

def test_references_follow_named_templates_and_skip_guarded_names_and_label_methods(tmp_path):
    (tmp_path / "t.tmpl").write_text(
        '{{ define "title" }}[{{ .Status }}] {{ .CommonLabels.alertname }} {{ template "more" . }}{{ end }}\n'
        '{{ define "more" }}{{ range .Alerts }}{{ .Labels.instance }}{{ if .Annotations.runbook_url }}'
        '{{ .Annotations.runbook_url }}{{ end }}{{ range .Labels.SortedPairs }}{{ .Name }}{{ end }}'
        '{{ index .Annotations "dashboard" }}{{ end }}{{ end }}\n')
    named = definitions([str(tmp_path / "*.tmpl")])
    assert set(named) == {"title", "more"}
    found = {(r.map, r.name, r.template) for r in references('{{ template "title" . }} {{ .GroupLabels.team }}', named)}
    assert found == {("CommonLabels", "alertname", "title"), ("Labels", "instance", "more"),
                     ("Annotations", "dashboard", "more"), ("GroupLabels", "team", "")}


# ---- golden files --------------------------------------------------------------------------------------

def test_a_document_reads_back_exactly_whatever_its_values_end_with():
    fields = {"slack[0] attachments[0].title": "[FIRING:1] ApiDown", "slack[0] attachments[0].text": "line\nnext\n\n",
              "slack[0] attachments[0].footer": "", "email[0] subject": "- starts with a dash"}
    document = golden.Document("slack/ApiDown.one.firing.txt", "slack · ApiDown", fields)
    assert golden.parse(document.text()) == fields


def test_comparison_names_each_field_that_differs_and_each_file_no_longer_rendered(tmp_path):
    kept = golden.Document("slack/A.one.firing.txt", "t", {"slack[0] title": "[FIRING:1] A", "slack[0] text": "x"})
    stale = golden.Document("slack/Gone.one.firing.txt", "t", {"slack[0] title": "old"})
    other = golden.Document("pagerduty/A.one.firing.txt", "t", {"pagerduty[0] summary": "s"})
    assert golden.write([kept, stale, other], tmp_path / "g") == (3, 0)
    now = golden.Document("slack/A.one.firing.txt", "t", {"slack[0] title": "A", "slack[0] color": "danger"})
    mismatches = golden.compare([now], tmp_path / "g")
    said = {(m.path, m.message) for m in mismatches}
    assert ("slack/A.one.firing.txt", "slack[0] title: differs") in said
    assert ("slack/A.one.firing.txt", "slack[0] text: no longer sent") in said
    assert ("slack/A.one.firing.txt", "slack[0] color: new field") in said
    assert any(m.path == "slack/Gone.one.firing.txt" and "no longer rendered" in m.message for m in mismatches)
    differs = next(m for m in mismatches if m.message == "slack[0] title: differs")
    assert "-[FIRING:1] A" in differs.diff and "+A" in differs.diff
    narrowed = {m.path for m in golden.compare([now], tmp_path / "g", receivers=["slack"])}
    assert "pagerduty/A.one.firing.txt" not in narrowed  # a render narrowed to slack does not judge pagerduty's


def test_update_replaces_the_golden_files_as_a_whole(tmp_path):
    golden.write([golden.Document("slack/A.one.firing.txt", "t", {"f": "1"}),
                  golden.Document("slack/B.one.firing.txt", "t", {"f": "2"})], tmp_path / "g")
    assert golden.write([golden.Document("slack/A.one.firing.txt", "t", {"f": "3"})], tmp_path / "g") == (1, 1)
    assert sorted(p.name for p in (tmp_path / "g").rglob("*.txt")) == ["A.one.firing.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["g"]  # no staging folder left


# ---- cases -----------------------------------------------------------------------------------------------

def test_a_group_of_several_differs_in_one_label_outside_the_grouping():
    made = siblings(example(instance="web-1:9100"))
    assert [p.labels["instance"] for p in made] == ["web-2:9100", "web-3:9100"]
    assert _other_value("db", 2) == "db-2" and _other_value("10.0.0.7:9100", 3) == "10.0.0.9:9100"
    route = case(several=True).route
    assert route["matchers"][-1] == 'instance=~"api-2:8000|api-3:8000"'
    assert 'alertname="ApiDown"' in route["matchers"] and route["continue"] is True


def test_a_route_matcher_holds_any_label_value_literally():
    route = route_for("r", [], {"path": 'a"b\\c'}, ("instance", ["x.y:1", "(z)"]))
    assert route["matchers"] == ['path="a\\"b\\\\c"', 'instance=~"x\\\\.y:1|\\\\(z\\\\)"']


def test_batches_never_give_one_receiver_two_cases_at_once():
    one, several = case(), case(several=True)
    other = case(receiver="pagerduty")
    made = batches([one, several, other])
    assert all(len({c.receiver for c in batch}) == len(batch) for batch in made)
    assert sorted(map(len, made)) == [1, 2]


# ---- findings --------------------------------------------------------------------------------------------

def test_findings_on_what_a_reader_gets():
    slack = integration(title="{{ .CommonLabels.alertname }}", text="{{ .CommonAnnotations.summary }}",
                        pretext="{{ .CommonLabels.nothing }}", send_resolved=True)
    firing = Rendered(case(), "firing", slack, {"attachments[0].title": "ApiDown", "attachments[0].text": "<no value>",
                                                "attachments[0].pretext": " ", "attachments[0].title_link": ""})
    resolved = Rendered(case(), "resolved", slack, {"attachments[0].title": "ApiDown", "attachments[0].text": "<no value>",
                                                    "attachments[0].pretext": " "})
    kinds = {(f.kind, f.where, f.state) for f in find(run_of(firing, resolved))}
    assert ("no-value", "slack[0] attachments[0].text", "firing") in kinds
    assert ("empty", "slack[0] attachments[0].pretext", "firing") in kinds
    assert ("missing-reference", "slack[0] attachments[0].pretext", "firing") in kinds
    assert ("link", "slack[0] attachments[0].title_link", "firing") in kinds
    assert any(k == "resolved-like-firing" and state == "resolved" for k, _, state in kinds)


def test_links_dashboards_and_lengths():
    email = integration("email_configs", html="{{ template \"x\" . }}")
    html = '<p><a href="">runbook</a> <a href="https://grafana.example/d/gone-uid/x">dash</a> <a href="/relative">r</a></p>'
    rendered = Rendered(case(), "firing", email, {"subject": "s" * 1000, "html": html})
    found = {f.message for f in find(run_of(rendered), dashboard_uids={"overview"})}
    assert "a link with an empty href (runbook)" in found
    assert any("'gone-uid', which no dashboard of the stack has" in m for m in found)
    assert "not a full URL: /relative" in found
    assert any(m.startswith("1000 characters") for m in found)
    discord = integration("discord_configs", title="{{ . }}")
    cut = Rendered(case(), "firing", discord, {"embeds[0].title": "x" * 255 + "…"})
    assert any("(cut, it ends with …)" in f.message for f in find(run_of(cut)))


def test_a_reference_the_route_does_not_group_by_is_found():
    pagerduty = integration("pagerduty_configs", description="{{ .GroupLabels.instance }}")
    rendered = Rendered(case(receiver="pagerduty", group_by=("alertname",)), "firing", pagerduty,
                        {"payload.summary": ""})
    messages = [f.message for f in find(run_of(rendered)) if f.kind == "missing-reference"]
    assert messages == [".GroupLabels.instance: instance is not among the labels this route groups by (alertname)"]


def test_a_notification_not_sent_is_a_finding():
    slack = integration()
    failed = Rendered(case(), "firing", slack, None, "template: :1:12: executing ...")
    dropped = Rendered(case(), "firing", slack, None, "nothing arrived within 30 s and Alertmanager logged no failure")
    assert [f.kind for f in find(run_of(failed, dropped))] == ["template-error", "dropped"]


def test_accepted_findings_match_keys_with_stars_only(tmp_path):
    accepted = Accepted("resolved-like-firing */resolved slack[0] *", "why")
    assert accepted.matches("resolved-like-firing slack/A.one/resolved slack[0] attachments[0].title")
    assert not accepted.matches("resolved-like-firing slack/A.one/resolved slack0 attachments[0].title")
    (tmp_path / "accepted.yaml").write_text("- finding: x\n")
    with pytest.raises(UserError, match=r"accepted.yaml: \[0\]: each entry needs `finding`"):
        read_accepted(tmp_path / "accepted.yaml")


# ---- Alertmanager's words --------------------------------------------------------------------------------

RECORDED_FAILURE = (  # Alertmanager 0.25.0 (Debian), a Slack title calling a template that does not exist
    'ts=2026-12-07T03:04:56.927Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts '
    'failed" num_alerts=1 err="slack/slack[0]: notify retry canceled due to unrecoverable error after 1 attempts: '
    'template: :1:12: executing \\"\\" at <{{template \\"windmill.titel\\" .}}>: template \\"windmill.titel\\" not defined"')


def test_a_failure_line_names_receiver_integration_and_reason():
    found = failures_in("level=info msg=ok\n" + RECORDED_FAILURE + "\n")
    assert found == {("slack", "slack[0]"): 'template: :1:12: executing "" at <{{template "windmill.titel" .}}>: '
                                            'template "windmill.titel" not defined'}


def test_a_config_without_receivers_is_refused(tmp_path):
    (tmp_path / "am.yml").write_text("route: {receiver: x}\nreceivers: {}\n")
    with pytest.raises(UserError, match="am.yml: receivers"):
        read_config(tmp_path / "am.yml")
