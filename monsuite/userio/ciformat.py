"""What CI reads: GitHub Actions workflow commands (annotations on the user's file and line) and JUnit XML.

Every command CI runs offers `--format text|github|junit`; each builds a list of `Finding`s and one
`Case` per thing it judged, and this module writes them in the chosen format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

FORMATS = ("text", "github", "junit")


@dataclass(frozen=True)
class Finding:
    """A problem at a place in the user's files."""

    level: str  # error | warning | notice
    file: str
    line: int
    title: str
    message: str


@dataclass(frozen=True)
class Case:
    """One judged thing (a test, a rule file, a routing case), for JUnit."""

    suite: str
    name: str
    failure: str = ""  # empty: passed
    file: str = ""
    line: int = 0


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def github(finding: Finding) -> str:
    """One workflow command, e.g. `::error file=rules.yml,line=12,title=promtool::...`."""
    where = f"file={_property(finding.file)}" + (f",line={finding.line}" if finding.line else "")
    return f"::{finding.level} {where},title={_property(finding.title)}::{_data(finding.message)}"


def junit(cases: list[Case]) -> str:
    suites = ET.Element("testsuites")
    by_suite: dict[str, list[Case]] = {}
    for case in cases:
        by_suite.setdefault(case.suite, []).append(case)
    for name, members in by_suite.items():
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(members)),
                              failures=str(sum(1 for c in members if c.failure)))
        for case in members:
            element = ET.SubElement(suite, "testcase", classname=name, name=case.name,
                                    **({"file": case.file} if case.file else {}), **({"line": str(case.line)} if case.line else {}))
            if case.failure:
                ET.SubElement(element, "failure", message=case.failure.splitlines()[0][:200]).text = case.failure
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def add_format_option(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), github (GitHub Actions annotations on your files' lines) or junit (XML on stdout)")


def emit(fmt: str, text_lines: list[str], findings: list[Finding], cases: list[Case]) -> None:
    """Print the result in the chosen format (text: the command's own lines)."""
    if fmt == "junit":
        print(junit(cases), end="")
        return
    for line in text_lines:
        print(line)
    if fmt == "github":
        for finding in findings:
            print(github(finding))
