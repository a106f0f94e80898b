"""Reading a file the user gave: every way it can be unusable is one ManifestError naming the file (and
the field), never an OSError or a UnicodeDecodeError from deep inside a command."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import yaml

from monsuite.errors import ManifestError
from monsuite.yamlfile import load_yaml, load_yaml_fast


def check_readable(path: Path | str, what: str = "file") -> Path:
    """The path of an existing, readable, non-empty regular file."""
    path = Path(path)
    if path.is_dir():
        raise ManifestError(path, "", f"is a directory; give the {what} itself")
    if not path.exists():
        raise ManifestError(path, "", f"no such {what}")
    if not path.is_file():
        raise ManifestError(path, "", f"not a regular file; give the {what} itself")
    try:
        with open(path, "rb") as handle:
            empty = not handle.read(1)
    except OSError as exc:
        raise ManifestError(path, "", f"cannot read: {exc.strerror or exc}") from None
    if empty:
        raise ManifestError(path, "", f"is empty; give a {what} with content")
    return path


def read_text(path: Path | str, what: str = "file") -> str:
    path = check_readable(path, what)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(path, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(path, "", f"not UTF-8 text (byte {exc.start}); is this the {what}?") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    line = f" at line {mark.line + 1}" if mark else ""
    return f"invalid YAML{line}: {getattr(exc, 'problem', None) or exc}"


def parse_yaml(text: str, path: Path | str, *, strict: bool = True):
    try:
        return load_yaml(text) if strict else load_yaml_fast(text)
    except yaml.YAMLError as exc:
        raise ManifestError(path, "", _yaml_problem(exc)) from None


def read_yaml(path: Path | str, what: str = "YAML file", *, expect: type | None = dict, strict: bool = True):
    """A YAML file's content, of the expected type (a mapping unless told otherwise)."""
    data = parse_yaml(read_text(path, what), path, strict=strict)
    return expect_shape(data, path, what, expect)


def read_yaml_documents(path: Path | str, what: str = "YAML file") -> list:
    text = read_text(path, what)
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ManifestError(path, "", _yaml_problem(exc)) from None


def read_json(path: Path | str, what: str = "JSON file", *, expect: type | None = dict):
    text = read_text(path, what)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ManifestError(path, "", f"not JSON ({exc}); is this the {what}?") from None
    return expect_shape(data, path, what, expect)


_SHAPES = {dict: "a mapping", list: "a list"}


def expect_shape(data, path, what: str, expect: type | None, field: str = ""):
    if expect is not None and not isinstance(data, expect):
        found = "nothing" if data is None else _SHAPES.get(type(data), f"a {type(data).__name__} ({str(data)[:40]!r})")
        raise ManifestError(path, field, f"{what} must be {_SHAPES.get(expect, expect.__name__)}, found {found}")
    return data


def refuse_unknown_keys(mapping: dict, known, path, field: str = "") -> None:
    """An unknown key is named, with the known key it most looks like."""
    known = list(known)
    for key in mapping:
        if key not in known:
            where = f"{field}.{key}" if field else str(key)
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ManifestError(path, where, f"unknown key; {hint}known keys: {', '.join(known)}")


def readable_dir(path: Path | str, what: str = "directory") -> Path:
    path = Path(path)
    if not path.exists():
        raise ManifestError(path, "", f"no such {what}")
    if not path.is_dir():
        raise ManifestError(path, "", f"not a directory; give the {what}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ManifestError(path, "", f"cannot read the {what}")
    return path
