"""The bad-input matrix, generated from the commands' own parsers: every argument of every command (and
every pytest option) declares a kind through its type (monsuite.userio.argtypes); each kind has its
careless values. A new command or flag is in the matrix as soon as it is registered.

A case runs in a fresh directory; values are templates where {tmp} is that directory, and `prepare`
lays out what the careless values point at (a directory, an empty file, a binary file, ...).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import yaml

from monsuite import paths
from monsuite.userio import argtypes, outputs

PACKAGE = Path(paths.__file__).resolve().parent
SECRET = "s3cr3t-pw"
NOWHERE = "http://127.0.0.1:1"  # nothing listens on port 1: connection refused at once

# A valid file of each shape, read in place or written into {tmp} by prepare().
SAMPLES = {
    "rules": str(PACKAGE / "stacks" / "default" / "rules" / "windmill-platform.yml"),
    "rule-tests": str(PACKAGE / "stacks" / "default" / "rule-tests" / "generated-test.yml"),
    "alertmanager-config": "{tmp}/samples/alertmanager.yml",
    "routing-cases": str(PACKAGE / "stacks" / "minimal" / "routes.yaml"),
    "slo-spec": str(PACKAGE / "stacks" / "default" / "slo.yaml"),
    "dashboard": str(PACKAGE / "stacks" / "minimal" / "dashboards" / "service.json"),
    "load-scenario": str(PACKAGE / "loadtests" / "scenarios" / "baseline.yaml"),
    "report-json": "{tmp}/samples/report.json",
    "alerts-json": "{tmp}/samples/alerts.json",
    "prometheus-config": "{tmp}/samples/prometheus.yml",
    "template": "{tmp}/samples/notifications.tmpl",
    "state": "{tmp}/samples/state.json",
}
WRITTEN_SAMPLES = {
    "alertmanager.yml": "route: {receiver: default}\nreceivers: [{name: default}]\n",
    "report.json": "{}\n",
    "alerts.json": "{\"scenarios\": []}\n",
    "prometheus.yml": "global: {scrape_interval: 15s}\n",
    "notifications.tmpl": "{{ define \"x\" }}x{{ end }}\n",
    "state.json": "{}\n",
}


@dataclass(frozen=True)
class Case:
    command: tuple[str, ...]  # () for pytest
    argument: str  # the flag, or a positional argument's metavar
    kind: str
    mistake: str
    value: str
    exits: tuple[int, ...] = (2,)
    secret: str | None = None  # must appear nowhere in what is printed
    names: tuple[str, ...] = ()  # the printed line names one of these (the flag is always accepted)

    @property
    def id(self) -> str:
        return f"{' '.join(self.command) or 'pytest'} {self.argument} {self.mistake}".replace(" ", "-")


def leaf_commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield words, parser
        return
    for name, child in subparsers[0].choices.items():
        yield from leaf_commands(child, (*words, name))


def arguments(parser: argparse.ArgumentParser):
    """The actions a user sets (not --help/--version)."""
    return [a for a in parser._actions if not isinstance(a, (argparse._HelpAction, argparse._VersionAction,
                                                            argparse._SubParsersAction))]


def label(action: argparse.Action) -> str:
    return action.option_strings[-1] if action.option_strings else (action.metavar or action.dest)


def kind_of(action: argparse.Action) -> str | None:
    """The declared kind; None: a value-taking argument that declares none (the matrix cannot cover it)."""
    if isinstance(argtypes.declared(action.type), argtypes.ArgType):
        return argtypes.declared(action.type).kind
    if action.nargs == 0:
        return "flag"
    if action.choices is not None:
        return "choice"
    return None


def _number_cases(t: argtypes.Number):
    yield "zero", "0", t.least > 0
    yield "negative", "-1", t.least > -1
    yield "huge", "1e30", t.most < 1e30
    yield "nan", "nan", True
    yield "infinite", "inf", True
    yield "text", "ten", True


def _duration_cases(t: argtypes.Duration):
    yield "zero", "0s", t.least_ms > 0
    yield "negative", "-1s", True
    yield "huge", "999999d", t.most_ms < 999999 * 86_400_000
    yield "nan", "nan", True
    yield "text", "ten minutes", True


def _input_cases(t: argtypes.InputFile):
    content_exit = (1, 2) if t.checked else (2,)
    yield "missing", "{tmp}/missing.yml", (2,)
    yield "directory", "{tmp}/adir", (2,)
    yield "empty", "{tmp}/empty.yml", (2,)
    yield "binary", "{tmp}/binary.yml", content_exit
    if t.shape == "state" or not t.structured:
        return  # a state file's content is judged by `stack status/down` (hand-written cases); a template is text
    yield "list", "{tmp}/list.yml", content_exit
    yield "scalar", "{tmp}/scalar.yml", content_exit
    if t.closed:
        yield "unknown-key", "{tmp}/unknown-key/" + t.shape + ".yml", content_exit


def careless_values(action: argparse.Action):
    """(mistake, value, exits, secret) for one argument, from its declared type."""
    t = argtypes.declared(action.type)
    if isinstance(t, argtypes.InputFile):
        for mistake, value, exits in _input_cases(t):
            yield mistake, value, exits, None
    elif isinstance(t, argtypes.StackArg):
        for mistake, value in (("missing", "{tmp}/nostack"), ("a-file", "{tmp}/afile"), ("empty-directory", "{tmp}/adir"),
                               ("binary-manifest", "{tmp}/binstack"), ("unknown-key", "{tmp}/unknown-key/stack")):
            yield mistake, value, (2,), None
    elif isinstance(t, argtypes.OutputFile):
        yield "directory", "{tmp}/adir", (2,), None
        if t.policy == outputs.GENERATED:
            yield "existing-hand-written-file", "{tmp}/handwritten.yml", (2,), None
        yield "unwritable", "{tmp}/afile/out.json", (2,), None
    elif isinstance(t, argtypes.OutputDir):
        yield "a-file", "{tmp}/afile", (2,), None
        yield "unwritable", "{tmp}/afile/sub", (2,), None
        if t.empty:
            yield "not-empty", "{tmp}/full", (2,), None
    elif isinstance(t, argtypes.Url):
        yield "unreachable", NOWHERE, (2,), None
        yield "with-credentials", NOWHERE.replace("//", f"//user:{SECRET}@"), (2,), SECRET
        yield "malformed", "http://[::1", (2,), None
        yield "no-scheme", "127.0.0.1:9090", (2,), None
    elif isinstance(t, argtypes.Number):
        for mistake, value, bad in _number_cases(t):
            if bad:
                yield mistake, value, (2,), None
    elif isinstance(t, argtypes.Duration):
        for mistake, value, bad in _duration_cases(t):
            if bad:
                yield mistake, value, (2,), None
    elif isinstance(t, argtypes.UnixTime):
        for mistake, value in (("nan", "nan"), ("infinite", "inf"), ("huge", "1e30"), ("negative", "-1"), ("text", "yesterday")):
            yield mistake, value, (2,), None
    elif isinstance(t, argtypes.Instant):
        for mistake, value in (("nan", "nan"), ("infinite", "inf"), ("huge", "1e30"), ("negative", "-1"), ("text", "yesterday"),
                               ("relative-text", "now-forever"), ("before-2000", "now-9999w")):
            yield mistake, value, (2,), None
    elif isinstance(t, argtypes.TimeRange):
        for mistake, value in (("malformed", "tomorrow"), ("reversed", "1796505400..1796500000"), ("empty-ends", "..")):
            yield mistake, value, (2,), None


def cases_of(command: tuple[str, ...], parser: argparse.ArgumentParser) -> list[Case]:
    found = []
    for action in arguments(parser):
        for mistake, value, exits, secret in careless_values(action):
            names = (label(action), Path(value).name) if "{tmp}" in value else (label(action), NOWHERE.split("//")[1])
            found.append(Case(command, label(action), kind_of(action), mistake, value, exits, secret, names))
    return found


def baseline(action: argparse.Action) -> list[str]:
    """A valid value for a required argument, so that the argument under test is the only mistake."""
    t = argtypes.declared(action.type)
    if isinstance(t, argtypes.InputFile):
        return [SAMPLES[t.shape]]
    if isinstance(t, argtypes.Url):
        return [NOWHERE]
    if isinstance(t, argtypes.OutputDir):
        return ["{tmp}/out"]
    if isinstance(t, argtypes.OutputFile):
        return ["{tmp}/out/result"]
    if isinstance(t, argtypes.StackArg):
        return ["minimal"]
    if isinstance(t, argtypes.Instant):
        return ["now-1h"]
    raise AssertionError(f"{label(action)}: no baseline value for a required argument of kind {kind_of(action)}")


def argv_for(command: tuple[str, ...], parser: argparse.ArgumentParser, case: Case) -> list[str]:
    positionals, options = [], []
    for action in arguments(parser):
        if label(action) == case.argument:
            value = [case.value]
        elif action.required or (not action.option_strings and action.nargs not in ("?", "*")):
            value = baseline(action)
        else:
            continue
        if action.option_strings:
            options += [action.option_strings[-1], *value]
        else:
            positionals += value
    return [*command, *positionals, *options]


def prepare(tmp: Path) -> None:
    """What the careless values point at, and the written samples."""
    (tmp / "adir").mkdir()
    (tmp / "scratch").mkdir()  # the temporary directory of the run
    (tmp / "empty.yml").write_text("")
    (tmp / "binary.yml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\xfd" * 8)
    (tmp / "list.yml").write_text("[1, 2]\n")
    (tmp / "scalar.yml").write_text("42\n")
    (tmp / "afile").write_text("a file\n")
    (tmp / "handwritten.yml").write_text("# my own tests\ntests: []\n")
    (tmp / "full").mkdir()
    (tmp / "full" / "kept.txt").write_text("kept\n")
    (tmp / "binstack").mkdir()
    (tmp / "binstack" / "stack.yaml").write_bytes(b"\xff\xfe\x00name")
    samples = tmp / "samples"
    samples.mkdir()
    for name, text in WRITTEN_SAMPLES.items():
        (samples / name).write_text(text)
    unknown = tmp / "unknown-key"
    unknown.mkdir()
    for shape, sample in SAMPLES.items():
        if shape == "template":
            continue  # not YAML
        path = Path(sample.replace("{tmp}", str(tmp)))
        documents = list(yaml.safe_load_all(path.read_text()))
        first = documents[0]
        if isinstance(first, dict) and first:
            key = next(iter(first))
            first[f"{key}z"] = first[key]  # a misspelt copy of a key the file has
        (unknown / f"{shape}.yml").write_text(yaml.safe_dump_all(documents, sort_keys=False))
    stack = unknown / "stack"
    stack.mkdir()
    manifest = yaml.safe_load((PACKAGE / "stacks" / "minimal" / "stack.yaml").read_text())
    manifest["componentz"] = manifest["components"]
    (stack / "stack.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))


def fill(value: str, tmp: Path) -> str:
    return value.replace("{tmp}", str(tmp))


def command_cases() -> list[tuple[Case, argparse.ArgumentParser]]:
    from monsuite.cli import build_parser

    return [(case, parser) for command, parser in leaf_commands(build_parser()) for case in cases_of(command, parser)]


def pytest_option_parser() -> argparse.ArgumentParser:
    """The monsuite pytest options, registered on a plain parser through the plugin's own add_options."""
    from monsuite.fixtures.options import add_options

    parser = argparse.ArgumentParser(prog="pytest", add_help=False)

    class Group:
        def addoption(self, *names, **kwargs):
            parser.add_argument(*names, **kwargs)

    class Registry:
        def getgroup(self, *args, **kwargs):
            return Group()

        def addoption(self, *names, **kwargs):
            parser.add_argument(*names, **kwargs)

        def addini(self, *args, **kwargs):
            pass

    add_options(Registry())
    return parser


def pytest_cases() -> list[Case]:
    return cases_of((), pytest_option_parser())
