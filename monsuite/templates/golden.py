"""One readable text file per receiver x case x state (what each field of each integration said), and the
comparison of a render with the files kept in a stack (`templates/golden/`)."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from monsuite.templates.bench import RenderRun
from monsuite.userio.inputs import read_text

MARK = "───"
MARK_LINE = re.compile(rf"^{MARK} (.+)\n", re.M)
NOT_SENT = "(not sent)"


@dataclass
class Document:
    path: str  # receiver/slug.state.txt
    title: str
    fields: dict[str, str]  # "slack[0] attachments[0].title" -> text

    def text(self) -> str:
        return f"# {self.title}\n" + "".join(f"{MARK} {name}\n{value}\n" for name, value in self.fields.items())


def documents(run: RenderRun) -> list[Document]:
    made: dict[str, Document] = {}
    for rendered in run.rendered:
        case = rendered.case
        path = document_path(case.receiver, case.slug, rendered.state)
        alerts = "; ".join("{" + ", ".join(f"{k}={v}" for k, v in a.labels.items()) + "}" for a in case.alerts)
        document = made.setdefault(path, Document(path, f"{case.receiver} · {case.title} · {rendered.state} · {alerts}", {}))
        label = rendered.integration.label
        if rendered.fields is None:
            document.fields[f"{label} {NOT_SENT}"] = rendered.error
        else:
            document.fields.update({f"{label} {field}": value for field, value in rendered.fields.items()})
    return list(made.values())


def document_path(receiver: str, slug: str, state: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9_.@-]+', '_', receiver) or '_'}/{slug}.{state}.txt"


def parse(text: str) -> dict[str, str]:
    marks = list(MARK_LINE.finditer(text))
    fields = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        fields[mark.group(1)] = text[mark.end():end].removesuffix("\n")
    return fields


@dataclass
class Mismatch:
    path: str
    message: str
    diff: list[str]

    def lines(self) -> list[str]:
        return [f"{self.path}: {self.message}", *[f"    {line}" for line in self.diff]]


def compare(rendered: list[Document], golden_dir: Path, receivers: list[str] | None = None) -> list[Mismatch]:
    """`receivers`: the render was narrowed to these; golden files of the others are not judged."""
    found = []
    made = {d.path for d in rendered}
    for document in rendered:
        kept = golden_dir / document.path
        if not kept.is_file():
            found.append(Mismatch(document.path, "no golden file (`monsuite templates test --update` writes it)", []))
            continue
        want = parse(read_text(kept, "golden file"))
        for name in sorted(set(want) | set(document.fields), key=lambda n: (n not in want, n)):
            before, now = want.get(name), document.fields.get(name)
            if before == now:
                continue
            if before is None:
                found.append(Mismatch(document.path, f"{name}: new field", _diff("", now, name)))
            elif now is None:
                found.append(Mismatch(document.path, f"{name}: no longer sent", _diff(before, "", name)))
            else:
                found.append(Mismatch(document.path, f"{name}: differs", _diff(before, now, name)))
    for kept in sorted(golden_dir.rglob("*.txt")) if golden_dir.is_dir() else []:
        relative = kept.relative_to(golden_dir).as_posix()
        narrowed_away = receivers and relative.split("/")[0] not in {document_path(r, "", "").split("/")[0] for r in receivers}
        if relative not in made and not narrowed_away:
            found.append(Mismatch(relative, "golden file of a notification no longer rendered (routing or rules "
                                  "changed; --update removes it)", []))
    return found


def _diff(before: str, now: str, name: str) -> list[str]:
    return list(difflib.unified_diff(before.splitlines(), now.splitlines(), f"golden {name}", f"rendered {name}",
                                     lineterm="", n=1))


def write(rendered: list[Document], golden_dir: Path) -> tuple[int, int]:
    """Replace the golden files with this render, all at once (a failure leaves the old ones): (written, removed)."""
    before = {p.relative_to(golden_dir).as_posix() for p in golden_dir.rglob("*.txt")} if golden_dir.is_dir() else set()
    golden_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=golden_dir.parent, prefix=f".{golden_dir.name}.", suffix=".partial"))
    try:
        for document in rendered:
            target = staging / document.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(document.text())
        for directory in [staging, *[p for p in staging.rglob("*") if p.is_dir()]]:
            directory.chmod(0o755)
        old = golden_dir.with_name(f".{golden_dir.name}.old") if golden_dir.exists() else None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            os.replace(golden_dir, old)
        os.replace(staging, golden_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(rendered), len(before - {d.path for d in rendered})
