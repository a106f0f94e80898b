"""`monsuite templates render|test`."""

from __future__ import annotations

from pathlib import Path

from monsuite.components.release import RELEASES
from monsuite.deployed.argtypes import DeployedAlertmanagerConfig, DeployedDashboards, DeployedRules, Flatten
from monsuite.errors import UserError
from monsuite.userio.argtypes import InputFile, OutputDir, StackArg, Text
from monsuite.userio.ciformat import Case, Finding, add_format_option, emit


def register(commands) -> None:
    templates = commands.add_parser("templates", help="notification templates as each receiver renders them") \
        .add_subparsers(metavar="ACTION")
    render = templates.add_parser("render", help="render every receiver's notifications for every alert routed to it, "
                                                 "firing and resolved, by a real Alertmanager")
    _sources(render)
    render.add_argument("--out", type=OutputDir("render folder", empty=True), default="reports/templates",
                        help="a new folder for one file per notification, findings.json and index.html "
                             "(default: reports/templates)")
    render.set_defaults(handler=templates_render)
    test = templates.add_parser("test", help="render as `templates render` does; fail on findings and on any "
                                             "difference from the stack's golden files (templates/golden/)")
    _sources(test, stack_only=True)
    test.add_argument("--update", action="store_true", help="write the golden files from this render")
    add_format_option(test)
    test.set_defaults(handler=templates_test)


def _sources(parser, stack_only: bool = False) -> None:
    parser.add_argument("--stack", type=StackArg(), default=None if not stack_only else "default",
                        help="a stack directory or a shipped stack's name" + ("" if stack_only else
                                                                              " (default: default, unless the files are given)"))
    if not stack_only:
        parser.add_argument("--alertmanager-config", type=DeployedAlertmanagerConfig(), metavar="FILE",
                            help="instead of a stack: alertmanager.yml, its Secret or a folder of manifests")
        parser.add_argument("--rules", type=DeployedRules(), nargs="+", action=Flatten, metavar="FILE",
                            help="with --alertmanager-config: the rule files whose alerts are rendered")
        parser.add_argument("--tests", type=InputFile("rule-tests", "promtool test file"), nargs="+", default=[],
                            metavar="FILE", help="promtool tests whose expected alerts serve as examples")
        parser.add_argument("--dashboards", type=DeployedDashboards(), nargs="+", action=Flatten, default=[],
                            metavar="FILE", help="dashboards whose uids a notification's links may name")
    parser.add_argument("--receiver", type=Text("a receiver's name"), action="append", metavar="NAME",
                        help="only this receiver (repeat for more)")
    parser.add_argument("--release", choices=RELEASES, default="debian",
                        help="the Alertmanager that renders: debian (the package) or current (built by "
                             "`monsuite components build`); golden files are kept per release")


def _report(args):
    from monsuite.components import release
    from monsuite.templates.check import check, check_stack
    from monsuite.templates.config import read_config

    release.apply(args.release)
    if getattr(args, "alertmanager_config", None) is not None:
        if args.stack is not None:
            raise UserError("give --stack or --alertmanager-config, not both")
        if not args.rules:
            raise UserError("--alertmanager-config needs --rules: the rule files whose alerts are rendered")
        return check(read_config(args.alertmanager_config), args.rules, args.tests, args.dashboards,
                     receivers=args.receiver), str(args.alertmanager_config)
    for option in ("rules", "tests", "dashboards"):
        if getattr(args, option, None):
            raise UserError(f"--{option} goes with --alertmanager-config (a stack's {option} are its own)")
    stack = args.stack or "default"
    return check_stack(stack, receivers=args.receiver, compare=not getattr(args, "update", False)), f"stack {stack}"


def templates_render(args) -> int:
    from monsuite.templates.report import summary_lines, write_folder
    from monsuite.userio.outputs import directory_in_place

    report, source = _report(args)
    with directory_in_place(args.out) as staging:
        write_folder(report, staging, f"Notifications of {source}")
    for line in summary_lines(report, source):
        print(line)
    print(f"  written: {args.out}/ (one file per notification; index.html shows each as it is read)")
    return 0


def templates_test(args) -> int:
    from monsuite.templates import golden
    from monsuite.templates.check import golden_dir
    from monsuite.templates.report import summary_lines

    report, source = _report(args)
    kept = golden_dir(Path(report.config.source).parent, report.run.version)
    lines = summary_lines(report, source)
    if args.update:
        written, removed = golden.write(report.documents, kept)
        lines.append(f"  golden files: {written} written, {removed} removed in {kept}")
    elif report.mismatches is None:
        lines.append(f"  no golden files for Alertmanager {report.run.version} in {kept}: "
                     "`monsuite templates test --update` writes them")
    emit(args.format, lines, *_ci(report, kept))
    return 1 if report.findings or report.mismatches else 0


def _ci(report, kept: Path) -> tuple[list[Finding], list[Case]]:
    from monsuite.templates import golden

    source = str(report.config.source)
    findings = [Finding("error", source, 0, f"template {f.kind}", f.line()) for f in report.findings]
    findings += [Finding("error", str(kept / m.path), 0, "golden file differs",
                         "\n".join(m.lines())) for m in report.mismatches or []]
    failed: dict[str, list[str]] = {}
    for f in report.findings:
        failed.setdefault(golden.document_path(f.receiver, f.case, f.state), []).append(f.line())
    cases = [Case("templates", d.path, "\n".join(failed.get(d.path, []))) for d in report.documents]
    cases += [Case("templates golden", m.path, "\n".join(m.lines())) for m in report.mismatches or []]
    return findings, cases
