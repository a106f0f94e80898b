"""The same template and data through `amtool template render`: a second reading of each text field, and
the reason a field came out empty (Alertmanager 0.35's Slack notifier sends a message with every field
empty after a template error, and logs nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from monsuite.runtimes.process import find_binary
from monsuite.templates.bench import EXTERNAL_URL, FIRING_ENDS_AT, RESOLVED_AT, STARTS_AT, Rendered
from monsuite.templates.fields import configured_fields

# Text templates only: an email's HTML part goes through html/template, which escapes differently.
HTML_FIELDS = ("html",)


def amtool_beside(alertmanager: str | None) -> str | None:
    """The amtool of the same release as this Alertmanager (its folder), else the one on PATH."""
    if alertmanager:
        sibling = Path(os.path.realpath(alertmanager)).parent / "amtool"
        if os.access(sibling, os.X_OK):
            return str(sibling)
    return find_binary(("amtool",))


def template_data(rendered: Rendered, external_url: str = EXTERNAL_URL) -> dict:
    """What Alertmanager hands a receiver's templates for this notification (its template.Data)."""
    case, state = rendered.case, rendered.state
    alerts = [{"status": state, "labels": a.labels, "annotations": a.annotations, "startsAt": STARTS_AT,
               "endsAt": RESOLVED_AT if state == "resolved" else FIRING_ENDS_AT,
               "generatorURL": a.example.generator_url, "fingerprint": ""} for a in case.alerts]
    labels = [a.labels for a in case.alerts]
    annotations = [a.annotations for a in case.alerts]
    return {"receiver": case.receiver, "status": state, "alerts": alerts,
            "groupLabels": {k: labels[0][k] for k in case.group_by if k in labels[0]},
            "commonLabels": {k: v for k, v in labels[0].items() if all(x.get(k) == v for x in labels)},
            "commonAnnotations": {k: v for k, v in annotations[0].items() if all(x.get(k) == v for x in annotations)},
            "externalURL": external_url}


@dataclass
class Reading:
    rendered: Rendered
    field: str
    template: str
    sent: str | None  # what the sink received (None: the field was left out)
    amtool: str  # what amtool printed
    error: str = ""  # amtool's error, where it failed

    @property
    def agrees(self) -> bool:
        sent = "" if self.sent in (None, "null") else self.sent  # 0.35 sends an empty PagerDuty detail as null
        return not self.error and sent == self.amtool


def read_again(rendered: list[Rendered], globs: list[str], amtool: str, *, fields=None, workers: int = 4) -> list[Reading]:
    """Each configured text field of each delivered notification, rendered by amtool (`fields`: a filter
    (rendered, field) -> bool)."""
    wanted = [(r, field, template) for r in rendered if r.fields is not None
              for field, template in configured_fields(r.integration).items()
              if field not in HTML_FIELDS and (fields is None or fields(r, field))]
    with tempfile.TemporaryDirectory(prefix="monsuite-amtool-") as work, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="amtool") as pool:
        empty = Path(work) / "none.tmpl"  # amtool wants a template file even where the config has none
        empty.write_text("")

        data_files = {}
        for r, _, _ in wanted:  # each written once, before any amtool reads it
            if id(r) not in data_files:
                data_files[id(r)] = Path(work) / f"{len(data_files)}.json"
                data_files[id(r)].write_text(json.dumps(template_data(r)))

        def one(item) -> Reading:
            r, field, template = item
            data = data_files[id(r)]
            said = subprocess.run([amtool, "template", "render", *[f"--template.glob={g}" for g in globs or [empty]],
                                   f"--template.text={template}", f"--template.data={data}"],
                                  capture_output=True, text=True, timeout=60)
            error = "" if said.returncode == 0 else (said.stderr.strip() or said.stdout.strip())
            return Reading(r, field, template, r.fields.get(field), said.stdout, error)
        return list(pool.map(one, wanted))
