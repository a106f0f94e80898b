"""`monsuite init`: a stack directory from your own monitoring files, or a copy of an example stack."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from monsuite.errors import UserError

EPILOG = """examples:
  monsuite init mystack --example minimal
  monsuite init mystack --rules alerts.yml --alertmanager-config alertmanager.yml \\
      --prometheus-config prometheus.yml --dashboards dash.json
  then: monsuite scenarios check --stack mystack; pytest suites --stack mystack

exit status: 0 written, 2 bad input (nothing written)"""


def register(commands) -> None:
    parser = commands.add_parser("init", help="write a stack directory from your files or an example",
                                 epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="the stack directory to write (new or empty)")
    parser.add_argument("--example", help="copy an example stack instead (e.g. minimal, default)")
    parser.add_argument("--rules", nargs="+", default=[], metavar="FILE", help="Prometheus rule files")
    parser.add_argument("--alertmanager-config", metavar="FILE", help="your alertmanager.yml")
    parser.add_argument("--prometheus-config", metavar="FILE", help="your prometheus.yml (its global intervals and external labels)")
    parser.add_argument("--dashboards", nargs="+", default=[], metavar="FILE", help="Grafana dashboard JSON files")
    parser.add_argument("--templates", nargs="+", default=[], metavar="FILE", help="Alertmanager notification templates")
    parser.set_defaults(handler=init)


def init(args) -> int:
    from monsuite.paths import shipped_stack, shipped_stacks

    target = Path(args.directory)
    if args.example:
        if args.example not in shipped_stacks():
            raise UserError(f"--example {args.example}: no such example (have: {', '.join(shipped_stacks())})")
        if target.exists() and any(target.iterdir()):
            raise UserError(f"{target}: not empty; init writes a new stack into an empty or new directory")
        shutil.copytree(shipped_stack(args.example), target, dirs_exist_ok=True)
        print(f"{target}: copy of the {args.example} stack; next: pytest suites --stack {target}")
        return 0
    if not args.rules or not args.alertmanager_config:
        raise UserError("init needs --rules and --alertmanager-config (or --example minimal for a stack to start from)")
    from monsuite.scaffold.stack import init_stack

    report = init_stack(target, [Path(p) for p in args.rules], Path(args.alertmanager_config),
                        Path(args.prometheus_config) if args.prometheus_config else None,
                        [Path(p) for p in args.dashboards], [Path(p) for p in args.templates])
    print("\n".join(report.lines()))
    return 0
