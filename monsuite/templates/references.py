"""What a receiver's templates read of an alert: `.Labels.x`, `.Annotations.x`, `.CommonLabels.x`,
`.CommonAnnotations.x`, `.GroupLabels.x` (or `index .Labels "x"`), found in the actions of the field's own
template and of every named template it calls, from the template files.

Alertmanager renders a missing key as an empty string, so a reference to a label an alert lacks shows
nowhere in the output; it is found here instead. A name also tested by an `if` or `with` of the same
template counts as guarded.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
DEFINE = re.compile(r'^(?:define|block)\s+"([^"]+)"')
CALL = re.compile(r'^(?:template|block)\s+"([^"]+)"')
OPENS = ("if ", "range ", "with ", "define ", "block ")
FIELD = re.compile(r"\.(Labels|Annotations|CommonLabels|CommonAnnotations|GroupLabels)\.([A-Za-z_][A-Za-z0-9_]*)")
INDEXED = re.compile(r'index\s+\.(Labels|Annotations|CommonLabels|CommonAnnotations|GroupLabels)\s+"([^"]+)"')
GUARDS = ("if ", "with ", "else if ", "else with ")
KV_METHODS = ("SortedPairs", "Names", "Values", "Remove")  # methods of Alertmanager's label maps, not keys


@dataclass(frozen=True)
class Reference:
    map: str  # Labels, Annotations, CommonLabels, CommonAnnotations, GroupLabels
    name: str
    template: str  # the named template it is in ("" for the field's own text)


def definitions(globs: list[str]) -> dict[str, str]:
    """Named template -> its body, from the template files."""
    found: dict[str, str] = {}
    for pattern in globs:
        for path in sorted(glob.glob(pattern)):
            found.update(_definitions_in(Path(path).read_text(errors="replace")))
    return found


def _definitions_in(text: str) -> dict[str, str]:
    found, stack = {}, []  # stack: (name or None, where its body starts)
    for match in ACTION.finditer(text):
        action = match.group(1)
        if action.startswith(OPENS):
            define = DEFINE.match(action)
            stack.append((define.group(1) if define else None, match.end()))
        elif action == "end" and stack:
            name, start = stack.pop()
            if name is not None:
                found[name] = text[start:match.start()]
    return found


def references(text: str, named: dict[str, str]) -> list[Reference]:
    """Every unguarded reference in `text` and in the templates it calls, each once."""
    found: list[Reference] = []
    seen_templates: set[str] = set()

    def visit(body: str, template: str) -> None:
        actions = [m.group(1) for m in ACTION.finditer(body)]
        guarded = {(m, n) for a in actions if a.startswith(GUARDS) for m, n in _fields(a)}
        for action in actions:
            for pair in _fields(action):
                ref = Reference(pair[0], pair[1], template)
                if pair not in guarded and ref not in found:
                    found.append(ref)
            call = CALL.match(action)
            if call and call.group(1) in named and call.group(1) not in seen_templates:
                seen_templates.add(call.group(1))
                visit(named[call.group(1)], call.group(1))

    visit(text, "")
    return found


def _fields(action: str) -> list[tuple[str, str]]:
    return [(m, n) for m, n in FIELD.findall(action) if n not in KV_METHODS] + INDEXED.findall(action)
