"""Rule files as deployed: plain Prometheus rule files, `PrometheusRule` objects (one, many, in a `List`),
Mimir/Cortex ruler namespace files (`namespace:` + `groups:`), alone or in multi-document streams and
folders. Each object becomes a plain rule file of its own (the Prometheus Operator, too, gives every
PrometheusRule its own file, so group names may repeat across objects)."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

import yaml

from monsuite.deployed import workdir
from monsuite.deployed.documents import Document, Inventory, documents_of, inventory, plain

WHAT = "rule file"
SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter where there is one


@dataclass(frozen=True)
class RuleSource:
    document: Document
    groups: list
    path: Path  # the plain file the tools read: the user's own file where it is plain already

    @property
    def origin(self) -> str:
        ref = self.document.ref or (f"namespace {self.document.body.get('namespace')}" if "namespace" in self.document.body else "")
        return f"{self.document.path} ({ref})" if ref else str(self.document.path)

    def rule_lines(self) -> dict[tuple[str, str], int]:
        """(group name, alert or record name) -> its line in the user's file."""
        return {(str(g.get("name", "")), str(r.get("alert") or r.get("record") or "")): getattr(r, "line", self.document.line)
                for g in self.groups if isinstance(g, dict) for r in (g.get("rules") or []) if isinstance(r, dict)}


_sources: dict[str, RuleSource] = {}


def _is_rules(document: Document) -> bool:
    if document.kind:
        return document.kind == "PrometheusRule"
    return isinstance(document.body, dict) and "groups" in document.body


def _groups(document: Document) -> list:
    body = document.body
    if document.kind == "PrometheusRule":
        spec = body.get("spec")
        if not isinstance(spec, dict) or "groups" not in spec:
            raise document.error("spec.groups", "a PrometheusRule needs spec.groups (a list of rule groups)")
        if not isinstance(spec["groups"], list):
            raise document.error("spec.groups", "must be a list of rule groups")
        return spec["groups"]
    return body["groups"] if isinstance(body.get("groups"), list) else body.get("groups")


def read(path: Path | str) -> tuple[list[RuleSource], Inventory]:
    """The rule sources of a file or folder, each with the plain file tools read."""
    # A file given alone is the user's rule file whatever it holds (its mistakes are named where it is
    # read); a folder's other documents are only counted.
    alone = Path(path).is_file()
    found = inventory(path, WHAT, lambda d: _is_rules(d) or (alone and not d.kind))
    documents = found.documents
    if not documents:
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(found.ignored.items()))
        raise Document(Path(path), 1, {}).error("", f"no rules found (no `groups:` and no PrometheusRule; read {skipped or 'nothing'})")
    for document in documents:
        if not isinstance(document.body, dict):
            found_type = "a list" if isinstance(document.body, list) else f"a {type(document.body).__name__}"
            raise document.error("", f"a rule file must be a mapping with `groups:` (or a PrometheusRule), found {found_type}")
    single_plain = alone and len(documents) == 1 and not documents[0].kind and set(documents[0].body) != {"namespace", "groups"}
    sources = []
    for document in documents:
        groups = _groups(document)
        if single_plain:
            target = document.path  # already what the tools read: its own lines and messages stay
        else:
            source = RuleSource(document, groups, document.path)
            body = {"groups": plain(groups)} if isinstance(groups, list) else plain({k: v for k, v in document.body.items() if k != "namespace"})
            name = "-".join(part for part in (document.namespace, document.name) if part) or document.path.stem
            target = workdir.write(f"{name}.yml", yaml.dump(body, Dumper=SafeDumper, sort_keys=False, allow_unicode=True),
                                   source.origin)
        sources.append(RuleSource(document, groups if isinstance(groups, list) else [], target))
    for source in sources:
        _sources[str(source.path)] = source
    return sources, found


def rule_files(path: Path | str) -> list[Path]:
    return [source.path for source in read(path)[0]]


def source_of(plain_path: Path | str) -> RuleSource | None:
    """The source a plain file was made from (or the plain file itself), once it was read."""
    return _sources.get(str(plain_path))


def locate(plain_path: Path | str, name: str) -> tuple[str, int]:
    """Where the user wrote the rule `name` that is now in `plain_path`: (their file, the line)."""
    source = source_of(plain_path)
    if source is None:
        try:
            read(plain_path)
        except Exception:  # noqa: BLE001 - a file that does not read: its own line 1
            return str(plain_path), 1
        source = source_of(plain_path)
    if source is None:
        return str(plain_path), 1
    lines = {rule: line for (_, rule), line in source.rule_lines().items()}
    return str(source.document.path), lines.get(name, source.document.line)


def runnable_test_file(path: Path) -> Path:
    """A promtool test file whose rule_files promtool can read: the file itself when they are plain rule
    files, else a copy (beside the unwrapped rules) naming the unwrapped files instead."""
    try:
        data = yaml.safe_load(Path(path).read_text())
        patterns = [str(p) for p in data.get("rule_files") or []]
    except Exception:  # noqa: BLE001 - promtool says what is wrong with the file itself
        return path
    matched = [m for pattern in patterns for m in matching(path, pattern)]
    if not matched:
        return path
    try:
        unwrapped = [rule_files(m) for m in matched]
    except Exception:  # noqa: BLE001 - a rule file promtool rejects: it says so, on the file as written
        return path
    if all(files == [m] for files, m in zip(unwrapped, matched)):
        return path
    data["rule_files"] = [str(f.resolve()) for files in unwrapped for f in files]
    return workdir.write(Path(path).name, yaml.safe_dump(data, sort_keys=False, width=100000), str(path))


def holds_objects(path: Path) -> bool:
    """The file parses and holds Kubernetes objects (a malformed one is bad input, not a rule file's verdict)."""
    try:
        return any(d.kind for d in documents_of(path, WHAT))
    except Exception:  # noqa: BLE001 - it does not even parse
        return False


def matching(test_file: Path | str, pattern: str) -> list[Path]:
    """The files a test file's rule_files pattern names (relative to the test file, or absolute)."""
    return sorted(Path(p) for p in glob.glob(str(Path(test_file).parent / str(pattern))))


def user_files(plain_paths) -> list[Path]:
    """The user's files the plain files were read from, each once, in order."""
    found: list[Path] = []
    for plain_path in plain_paths:
        source = source_of(plain_path)
        path = source.document.path if source else Path(plain_path)
        if path not in found:
            found.append(path)
    return found
