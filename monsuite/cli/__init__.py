"""The monsuite command line: one module per command group."""

from __future__ import annotations

import argparse
import signal
import sys

from monsuite.cli import campaign, dashboards, init, load, routes, rules, stack
from monsuite.errors import UserError


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"monsuite: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("monsuite: interrupted; everything started was stopped", file=sys.stderr)
        return 130


def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monsuite", description="Conformance and load tests for monitoring stacks.")
    commands = parser.add_subparsers(metavar="COMMAND")
    for group in (init, stack, campaign, rules, routes, dashboards, load):
        group.register(commands)
    return parser
