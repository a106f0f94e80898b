"""What a person on call would miss in a rendered notification, found without any golden file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlparse

from monsuite.templates.bench import Rendered, RenderRun
from monsuite.templates.fields import READ_TEXT, configured_fields
from monsuite.templates.references import definitions, references

KINDS = {
    "template-error": "Alertmanager could not render it: the notification was not sent",
    "dropped": "nothing arrived and Alertmanager said nothing",
    "no-value": "prints <no value>",
    "empty": "a field the config sets renders empty",
    "missing-reference": "reads a label or annotation the alert lacks (printed as an empty string)",
    "resolved-like-firing": "the resolved notice reads exactly like the firing one",
    "too-long": "longer than the channel takes",
    "link": "a link that is empty or points nowhere the stack knows",
}

# (integration, field) -> (most characters, who cuts it): Alertmanager truncates these (with "…"), or the
# service rejects or cuts them. Sources: Alertmanager's notifiers; Slack's and Discord's API references.
LIMITS = {
    ("slack_configs", "attachments[0].title"): (1024, "Alertmanager truncates a Slack title at 1024 characters"),
    ("slack_configs", "attachments[0].text"): (40000, "Slack truncates message text at 40,000 characters"),
    ("slack_configs", "text"): (40000, "Slack truncates message text at 40,000 characters"),
    ("discord_configs", "embeds[0].title"): (256, "Discord takes an embed title of up to 256 characters"),
    ("discord_configs", "embeds[0].description"): (4096, "Discord takes an embed description of up to 4096 characters"),
    ("discord_configs", "content"): (2000, "Discord takes message content of up to 2000 characters"),
    ("pagerduty_configs", "payload.summary"): (1024, "PagerDuty takes a summary of up to 1024 characters"),
    ("email_configs", "subject"): (998, "an email header line may hold 998 characters (RFC 5322)"),
    ("opsgenie_configs", "message"): (130, "Alertmanager truncates an OpsGenie message at 130 characters"),
}
URL = re.compile(r"https?://[^\s<>\"')\]]*")
DASHBOARD_PATH = re.compile(r"/d/([A-Za-z0-9_-]+)")
LINK_FIELDS = re.compile(r"(^|\.)(href|title_link|client_url|url)$")


@dataclass(frozen=True)
class Finding:
    kind: str
    receiver: str
    case: str  # the case's slug
    state: str
    where: str  # integration and field: slack[0] attachments[0].title
    message: str

    @property
    def key(self) -> str:
        """Stable, to accept a known finding: kind receiver/case/state where"""
        return f"{self.kind} {self.receiver}/{self.case}/{self.state} {self.where}".strip()

    def line(self) -> str:
        return f"{self.receiver} · {self.case} · {self.state} · {self.where}: {self.message}"


def find(run: RenderRun, dashboard_uids: set[str] | None = None, amtool: str | None = None) -> list[Finding]:
    """`amtool`: where a field came out empty, ask it why (a template error Alertmanager kept quiet about)."""
    globs = list(run.config.config.get("templates") or [])
    named = definitions(globs)
    found: list[Finding] = []
    for rendered in run.rendered:
        found += _delivery(rendered, dashboard_uids)
        if rendered.state == "firing":
            found += _missing_references(rendered, named)
    found += _resolved_like_firing(run.rendered)
    return _explain_empty(found, run, globs, amtool) if amtool else found


def is_empty(value: str) -> bool:
    """Nothing a reader sees (Alertmanager 0.35 sends an empty PagerDuty detail as JSON null)."""
    return not value.strip() or value == "null"


def _explain_empty(found: list[Finding], run: RenderRun, globs: list[str], amtool: str) -> list[Finding]:
    from monsuite.templates.amtool import read_again

    empty = {(f.receiver, f.case, f.state, f.where) for f in found if f.kind == "empty"}
    if not empty:
        return found
    readings = read_again(run.rendered, globs, amtool, fields=lambda r, field: (
        r.case.receiver, r.case.slug, r.state, f"{r.integration.label} {field}") in empty)
    errors = {(x.rendered.case.receiver, x.rendered.case.slug, x.rendered.state, f"{x.rendered.integration.label} {x.field}"):
              x.error for x in readings if x.error}
    return [Finding("template-error", f.receiver, f.case, f.state, f.where,
                    f"sent empty: the template fails ({_amtool_reason(errors[key])}) and Alertmanager sends the message "
                    "without it, saying nothing")
            if f.kind == "empty" and (key := (f.receiver, f.case, f.state, f.where)) in errors else f for f in found]


def _amtool_reason(said: str) -> str:
    return " ".join(said.replace("amtool: error:", "").split())[:300]


def _finding(rendered: Rendered, kind: str, field: str, message: str) -> Finding:
    where = f"{rendered.integration.label} {field}".strip()
    return Finding(kind, rendered.case.receiver, rendered.case.slug, rendered.state, where, message)


def _delivery(rendered: Rendered, dashboard_uids: set[str] | None) -> list[Finding]:
    if rendered.fields is None:
        kind = "dropped" if rendered.error.startswith("nothing arrived") else "template-error"
        return [_finding(rendered, kind, "", rendered.error)]
    found = []
    fields, kind = rendered.fields, rendered.integration.kind
    for field, value in fields.items():
        if "<no value>" in value:
            found.append(_finding(rendered, "no-value", field, f"prints <no value>: {_excerpt(value, '<no value>')}"))
        limit = LIMITS.get((kind, field))
        if limit and len(value) >= limit[0]:
            cut = " (cut, it ends with …)" if value.endswith("…") else ""
            found.append(_finding(rendered, "too-long", field, f"{len(value)} characters{cut}: {limit[1]}"))
        found += [_finding(rendered, "link", field, problem) for problem in _link_problems(field, value, dashboard_uids)]
    for field in configured_fields(rendered.integration):
        if field.startswith("links["):
            continue  # a link without href is left out: told below
        if field not in fields:
            found.append(_finding(rendered, "empty", field, "renders empty (left out of the message)"))
        elif is_empty(fields[field]):
            found.append(_finding(rendered, "empty", field, "renders empty"))
    links = rendered.integration.entry.get("links") or []
    sent = {f.split("]")[0] for f in fields if f.startswith("links[")}
    if kind == "pagerduty_configs" and len(sent) < len(links):
        found.append(_finding(rendered, "link", "links", f"{len(links) - len(sent)} of {len(links)} configured links "
                              "render an empty href and are left out"))
    return found


def _excerpt(text: str, around: str, width: int = 40) -> str:
    at = text.find(around)
    return " ".join(text[max(0, at - width):at + len(around) + width].split())


def _link_problems(field: str, value: str, dashboard_uids: set[str] | None) -> list[str]:
    if field == "html" or field.endswith(".html"):
        hrefs = _hrefs(value)
        problems = [f"a link with an empty href ({text or 'no text'})" for href, text in hrefs if not href.strip()]
        urls = [href for href, _ in hrefs if href.strip()]
    elif LINK_FIELDS.search(field):
        if not value.strip():
            return ["an empty link"]
        problems, urls = [], [value]
    else:
        problems, urls = [], URL.findall(value)
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https", "mailto") or (parsed.scheme != "mailto" and not parsed.netloc):
            problems.append(f"not a full URL: {url[:120]}")
            continue
        uid = DASHBOARD_PATH.search(parsed.path)
        if uid and dashboard_uids is not None and uid.group(1) not in dashboard_uids:
            problems.append(f"links dashboard uid {uid.group(1)!r}, which no dashboard of the stack has "
                            f"(have: {', '.join(sorted(dashboard_uids)) or 'none'})")
    return problems


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[list[str]] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.found.append([dict(attrs).get("href") or "", ""])
            self._open = True

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = False

    def handle_data(self, data):
        if self._open and self.found:
            self.found[-1][1] += data.strip()


def _hrefs(html: str) -> list[tuple[str, str]]:
    parser = _Anchors()
    parser.feed(html)
    return [(href, text) for href, text in parser.found]


def _missing_references(rendered: Rendered, named: dict[str, str]) -> list[Finding]:
    case, found = rendered.case, []
    labels = [a.labels for a in case.alerts]
    annotations = [a.annotations for a in case.alerts]
    present = {
        "Labels": set.intersection(*(set(x) for x in labels)),
        "Annotations": set.intersection(*(set(x) for x in annotations)),
        "CommonLabels": {k for k, v in labels[0].items() if all(x.get(k) == v for x in labels)},
        "CommonAnnotations": {k for k, v in annotations[0].items() if all(x.get(k) == v for x in annotations)},
        "GroupLabels": {k for k in case.group_by if k in labels[0]},
    }
    for field, template in configured_fields(rendered.integration).items():
        for ref in references(template, named):
            if ref.name not in present[ref.map]:
                through = f" (in template {ref.template!r})" if ref.template else ""
                found.append(_finding(rendered, "missing-reference", field,
                                      f".{ref.map}.{ref.name}{through}: {_why_missing(ref.map, ref.name, case)}"))
    return found


def _why_missing(kind: str, name: str, case) -> str:
    if kind == "GroupLabels":
        return f"{name} is not among the labels this route groups by ({', '.join(case.group_by) or 'none'})"
    what = "label" if kind.endswith("Labels") else "annotation"
    maps = [a.labels if what == "label" else a.annotations for a in case.alerts]
    if all(name in m for m in maps):
        return "its value differs between the alerts of the group, so it is not common"
    return f"{case.alertname} has no {what} {name}"


def _resolved_like_firing(rendered: list[Rendered]) -> list[Finding]:
    firing = {(r.case.receiver, r.case.slug, r.integration.key): r for r in rendered if r.state == "firing"}
    found = []
    for resolved in (r for r in rendered if r.state == "resolved" and r.fields is not None):
        before = firing.get((resolved.case.receiver, resolved.case.slug, resolved.integration.key))
        read = READ_TEXT.get(resolved.integration.kind)
        if before is None or before.fields is None or read is None:
            continue
        shown = [f for f in read if f in resolved.fields]
        if shown and all(resolved.fields[f] == before.fields.get(f) for f in shown):
            found.append(_finding(resolved, "resolved-like-firing", ", ".join(shown),
                                  "the resolved notice has the same text as the firing one: a reader cannot tell "
                                  "the problem is over"))
    return found
