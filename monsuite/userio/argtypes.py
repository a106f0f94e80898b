"""Argument types for every flag of every command (and the pytest options).

Each type checks its value when the arguments are parsed, before anything runs, and raises
argparse.ArgumentTypeError with a message argparse prefixes with the flag's name. Each declares its
`kind` and its bounds, so the bad-input matrix (tests/badinput/test_matrix.py) derives the careless
values to try from the parsers themselves: a new flag is in the matrix as soon as it has a type.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from monsuite.errors import UserError
from monsuite.userio import inputs, outputs
from monsuite.userio.redact import redact


class ArgType:
    kind = "text"

    def __call__(self, text: str):
        try:
            return self.convert(text)
        except UserError as exc:
            raise argparse.ArgumentTypeError(redact(str(exc))) from None

    def convert(self, text: str):
        return text

    @property
    def __name__(self) -> str:  # argparse names a type in some messages
        return type(self).__name__


class Deferred(ArgType):
    """A type whose check runs later, where its error can be said as one line (pytest's option parser prints
    a type error under its usage text; the plugin checks these in pytest_configure instead)."""

    def __init__(self, inner: ArgType):
        self.inner = inner
        self.kind = inner.kind

    def convert(self, text: str) -> str:
        return text

    def check(self, flag: str, text):
        try:
            return self.inner.convert(text)
        except UserError as exc:
            raise UserError(f"{flag}: {exc}") from None


def declared(kind):
    """The type an argument declares, looking through Deferred."""
    return kind.inner if isinstance(kind, Deferred) else kind


class Text(ArgType):
    """Free text checked later by what uses it (a name, a filter): the matrix has no careless value for it."""

    def __init__(self, why: str):
        self.why = why


class InputFile(ArgType):
    """A file the command reads. `shape` names what it holds (rules, slo-spec, ...); `checked`: the command
    exists to check this file, so a broken content is a verdict (exit 1), not bad input; `closed`: a key
    the format does not know is an error; `names`: short names also accepted, resolved in that folder."""

    kind = "input"

    def __init__(self, shape: str, what: str, *, checked: bool = False, closed: bool = True, structured: bool = True,
                 names=None):
        self.shape, self.what, self.checked, self.closed, self.names = shape, what, checked, closed, names
        self.structured = structured  # YAML or JSON; False: text such as a template

    def convert(self, text: str) -> Path:
        if self.names is not None and "/" not in text and not text.endswith((".yaml", ".yml", ".json", ".py")):
            folder, suffixes = self.names()
            for suffix in suffixes:
                if (folder / f"{text}{suffix}").is_file():
                    return folder / f"{text}{suffix}"
            raise UserError(f"{text!r}: no such {self.what} (give a file, or a name in {folder})")
        path = Path(text)
        inputs.read_text(path, self.what)  # exists, a file, readable, not empty, UTF-8
        return path


class StateFile(InputFile):
    """The state file `stack up` wrote: missing means no stack is up, said as such by the command."""

    def __init__(self):
        super().__init__("state", "state file", closed=False)

    def convert(self, text: str) -> Path:
        path = Path(text)
        if path.is_dir():
            raise UserError(f"{text}: is a directory; give the state file `stack up` wrote")
        return path


class StackArg(ArgType):
    """A stack directory, or the name of a stack monsuite ships."""

    kind = "stack"

    def convert(self, text: str) -> str:
        from monsuite.paths import shipped_stacks

        if text in shipped_stacks() and not Path(text).exists():
            return text
        path = Path(text)
        if not path.exists():
            raise UserError(f"{text}: no such stack directory, and not a shipped stack ({', '.join(shipped_stacks())})")
        if path.is_file() and path.name == "stack.yaml":
            path = path.parent
        if not path.is_dir():
            raise UserError(f"{text}: not a stack directory (give the directory that holds stack.yaml)")
        if not (path / "stack.yaml").is_file():
            raise UserError(f"{text}: no stack.yaml in this directory; `monsuite init {text} --example minimal` writes one")
        inputs.read_text(path / "stack.yaml", "stack manifest")
        return text


class OutputFile(ArgType):
    kind = "output-file"

    def __init__(self, what: str, policy: str = outputs.REPLACE):
        self.what, self.policy = what, policy

    def convert(self, text: str) -> Path:
        return outputs.check_output_file(text, self.what, self.policy)


class OutputDir(ArgType):
    kind = "output-dir"

    def __init__(self, what: str, *, empty: bool = False):
        self.what, self.empty = what, empty

    def convert(self, text: str) -> Path:
        return outputs.check_output_dir(text, self.what, empty=self.empty)


class Url(ArgType):
    kind = "url"

    def convert(self, text: str) -> str:
        from monsuite.userio.urls import check_url

        return check_url(text, "URL")


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise UserError(f"{text!r}: give a finite number")
    return value


class Number(ArgType):
    """A number from `least` to `most` (both included); `integer` for counts."""

    kind = "number"

    def __init__(self, least: float, most: float, *, integer: bool = False, unit: str = ""):
        self.least, self.most, self.integer, self.unit = least, most, integer, unit

    def convert(self, text: str):
        value = _finite(text)
        if self.integer and value != int(value):
            raise UserError(f"{text!r}: give a whole number")
        if not self.least <= value <= self.most:
            low, high = (int(b) if self.integer else b for b in (self.least, self.most))
            raise UserError(f"{text}: give a number from {low:g} to {high:g}{self.unit}")
        return int(value) if self.integer else value


def Count(least: int, most: int, unit: str = "") -> Number:  # noqa: N802 - reads as a type
    return Number(least, most, integer=True, unit=unit)


class Duration(ArgType):
    """A Prometheus-style duration (30s, 2m, 1h30m) from `least_ms` to `most_ms`; the text is kept."""

    kind = "duration"

    def __init__(self, least_ms: int, most_ms: int):
        self.least_ms, self.most_ms = least_ms, most_ms

    def milliseconds(self, text: str) -> int:
        from monsuite.timescale import TimeScaleError, format_ms, parse_ms

        try:
            ms = parse_ms(text)
        except (TimeScaleError, OverflowError, ValueError):
            raise UserError(f"{text!r} is not a duration; give one such as 30s, 5m or 1h30m") from None
        if not self.least_ms <= ms <= self.most_ms:
            low = format_ms(self.least_ms) if self.least_ms else "0s"
            raise UserError(f"{text}: give a duration from {low} to {format_ms(self.most_ms)}")
        return ms

    def convert(self, text: str) -> str:
        self.milliseconds(text)
        return text


class UnixTime(ArgType):
    """A unix time in seconds after 2000 and before 2100."""

    kind = "time"
    least, most = 946684800.0, 4102444800.0

    def convert(self, text: str) -> float:
        value = _finite(text)
        if not self.least <= value < self.most:
            raise UserError(f"{text}: not a unix time in seconds between 2000 and 2100 (e.g. {1796500000})")
        return value


class Instant(ArgType):
    """One instant: ISO 8601, unix seconds, now or now-<duration>; converted to unix seconds."""

    kind = "time"

    def convert(self, text: str) -> float:
        from monsuite.userio.times import parse_instant

        return parse_instant(text, flag="")


class TimeRange(ArgType):
    """FROM..TO, each an ISO 8601 or a unix time; the text is kept."""

    kind = "range"

    def convert(self, text: str) -> str:
        from monsuite.userio.times import parse_time_range

        parse_time_range(text, flag="")
        return text
