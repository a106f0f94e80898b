"""The monsuite command line: one module per command group."""

from __future__ import annotations

import argparse
import os
import sys

from monsuite.cli import (
    campaign, components, dashboards, images, init, load, metrics, nightly, routes, rules, scenarios, slo, stack,
    templates,
)
from monsuite import __version__
from monsuite.errors import UserError
from monsuite.interrupts import interrupt_once, interrupts_deferred
from monsuite.userio.parser import ArgumentParser
from monsuite.userio.redact import RedactingStream
from monsuite.userio.say import print_error


def main(argv: list[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)  # whatever prints, no secret
    try:
        return _run(argv)
    except BrokenPipeError:  # `monsuite ... | head`: the reader left; no traceback, and no second one at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), streams[0].fileno())
        return 141
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad flag already said in one line
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    interrupt_once()
    try:
        return args.handler(args)
    except UserError as exc:
        print_error(exc)
        return exc.exit_status
    except KeyboardInterrupt:
        from monsuite.stack import TeardownIncomplete, stop_active

        try:
            with interrupts_deferred("stopping what this run started"):
                stop_active()  # normally nothing is left: each stack stops itself on the way out
        except TeardownIncomplete as exc:
            print(f"monsuite: interrupted; {exc}", file=sys.stderr)
            return exc.exit_status
        print("monsuite: interrupted; everything started was stopped", file=sys.stderr)
        return 130


EXIT_STATUS = "exit status: 0 all good, 1 a check found a problem, 2 bad input (one line on stderr), 130 interrupted"
EXAMPLES = {
    "stack up": "monsuite stack up\n  monsuite stack up --stack stacks/minimal --profile real --state-file /tmp/s.json",
    "stack status": "monsuite stack status\n  monsuite stack status --state-file /tmp/s.json",
    "stack down": "monsuite stack down\n  monsuite stack down --state-file /tmp/s.json",
    "campaign": "monsuite campaign --repeat 20\n  monsuite campaign --repeat 10 --stress --out reports/flakiness",
    "scenarios check": "monsuite scenarios check --stack stacks/minimal",
    "scenarios generate": "monsuite scenarios generate --rules alerts.yml --tests alerts-test.yml --stack stacks/mine",
    "rules mutate": "monsuite rules mutate --rules alerts.yml --tests alerts-test.yml --min-score 0.9 --html mutation.html",
    "rules test": "monsuite rules test stacks/default/rule-tests/*.yml",
    "rules backtest": "monsuite rules backtest --rules alerts.yml --prometheus-url http://127.0.0.1:9090 --from now-7d\n"
                      "  monsuite rules backtest --rules new.yml --baseline old.yml --incidents incidents.yaml "
                      "--prometheus-url http://127.0.0.1:9090 --from 2026-11-01 --to 2026-12-01",
    "rules check": "monsuite rules check stacks/default/rules/*.yml --prometheus-url http://127.0.0.1:9090",
    "routes test": "monsuite routes test --config stacks/default/alertmanager.yml.j2 stacks/default/routes.yaml",
    "templates render": "monsuite templates render --stack default --out reports/templates\n  monsuite templates render --alertmanager-config alertmanager.yml --rules alerts.yml --out reports/templates",
    "templates test": "monsuite templates test --stack stacks/mine\n  monsuite templates test --stack stacks/mine --update",
    "dashboards check": "monsuite dashboards check stacks/default/dashboards/*.json",
    "metrics check": "monsuite metrics check --stack stacks/default",
    "load run": "monsuite load run baseline\n  monsuite load run spike --users 50 --duration 1m",
    "images build": "monsuite images build",
    "components build": "monsuite components build\n  monsuite components build jaeger prometheus",
    "components list": "monsuite components list",
    "slo report": "monsuite slo report --spec stacks/default/slo.yaml --prometheus-url http://127.0.0.1:9090 --out reports/slo",
    "nightly": "monsuite nightly\n  monsuite nightly --profile real --baseline reports/nightly-previous/report.json",
    "slo rules": "monsuite slo rules --spec stacks/default/slo.yaml --out reports/slo-rules",
}


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="monsuite", description="Conformance and load tests for monitoring stacks.",
                                     epilog=EXIT_STATUS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND")
    for group in (init, stack, images, components, campaign, scenarios, rules, routes, templates, dashboards, metrics, load, slo,
                  nightly):
        group.register(commands)
    _teach(commands, [])
    return parser


def _teach(subparsers, path: list[str]) -> None:
    """Every command's help ends with examples and the exit status; a group alone shows its help."""
    for name, command in subparsers.choices.items():
        words = [*path, name]
        examples = EXAMPLES.get(" ".join(words))
        if not command.epilog:
            command.epilog = (f"example:\n  {examples}\n\n" if examples else "") + EXIT_STATUS
            command.formatter_class = argparse.RawDescriptionHelpFormatter
        children = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        if children:
            command.set_defaults(handler=_help_of(command))
            _teach(children[0], words)


def _help_of(parser: argparse.ArgumentParser):
    def show(args) -> int:
        parser.print_help()
        return 2
    return show
