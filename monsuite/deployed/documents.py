"""YAML documents and Kubernetes objects read from files and folders, with the line each mapping starts on."""

from __future__ import annotations

import os

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from monsuite.errors import ManifestError
from monsuite.userio.inputs import check_readable, read_text, readable_dir

SUFFIXES = (".yaml", ".yml", ".json")
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Located(dict):
    """A mapping that knows the line (1-based) of the file it starts on."""

    line: int = 0


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


def _construct_located(loader, node):
    data = Located()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node, deep=True))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_located)


def plain(data):
    """The same data as builtin dicts and lists (for writing it out)."""
    if isinstance(data, dict):
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(value) for value in data]
    return data


@dataclass(frozen=True)
class Document:
    """One object of a stream: `kind` is '' for a plain (non-Kubernetes) document."""

    path: Path
    line: int
    body: dict
    kind: str = ""
    namespace: str = ""
    name: str = ""

    @property
    def ref(self) -> str:
        """kind/namespace/name, as findings name the object ('' for a plain file)."""
        if not self.kind:
            return ""
        return "/".join(part for part in (self.kind, self.namespace, self.name) if part)

    def where(self, field_path: str = "") -> str:
        """The field's place for an error line: the object, then the field."""
        return ": ".join(part for part in (self.ref, field_path) if part)

    def error(self, field_path: str, problem: str) -> ManifestError:
        return ManifestError(self.path, self.where(field_path), problem)


@dataclass
class Inventory:
    """What a file or folder held: the documents of interest, and the count of every other kind."""

    documents: list[Document] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)
    files: int = 0


def files_of(path: Path | str, what: str) -> list[Path]:
    """A file, or every YAML/JSON file under a folder (sorted, hidden ones left out)."""
    path = Path(path)
    if path.is_dir():
        readable_dir(path, what)
        found = sorted(_yaml_files(path))
        if not found:
            raise ManifestError(path, "", f"no YAML or JSON file in this folder; give the {what} or a folder that holds it")
        return found
    return [check_readable(path, what)]


def _yaml_files(folder: Path):
    """The YAML/JSON files under a folder, hidden ones left out; an entry that vanishes or cannot be listed
    while the folder is read (a busy folder such as /tmp) is passed over, not an error (os.walk's way)."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            candidate = Path(root, name)
            if not name.startswith(".") and candidate.suffix in SUFFIXES and candidate.is_file():
                yield candidate


def documents_of(path: Path, what: str) -> list[Document]:
    """Every document of a file, `List` objects opened into their items."""
    text = read_text(path, what)
    try:
        raw = [d for d in yaml.load_all(text, Loader=_LineLoader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ManifestError(path, "", f"invalid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    found: list[Document] = []
    for body in raw:
        found.extend(_objects(path, body))
    return found


def _objects(path: Path, body) -> list[Document]:
    if not isinstance(body, dict):
        return [Document(path, getattr(body, "line", 1), body)]  # a caller says what shape it expected
    kind = body.get("kind") if isinstance(body.get("kind"), str) and "apiVersion" in body else ""
    if kind and (kind == "List" or kind.endswith("List")) and isinstance(body.get("items"), list):
        return [d for item in body["items"] for d in _objects(path, item)]
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return [Document(path, getattr(body, "line", 1), body, kind, str(metadata.get("namespace") or ""),
                     str(metadata.get("name") or ""))]


def inventory(path: Path | str, what: str, wanted) -> Inventory:
    """The documents of `path` (a file or folder) that `wanted(document)` accepts; others counted by kind."""
    found = Inventory()
    for file in files_of(path, what):
        found.files += 1
        for document in documents_of(file, what):
            if wanted(document):
                found.documents.append(document)
            else:
                found.ignored[document.kind or "other document"] += 1
    return found
