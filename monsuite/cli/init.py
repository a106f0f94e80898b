"""`monsuite init`: a stack directory from your own monitoring files, or a copy of an example stack."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from monsuite.deployed.argtypes import DeployedAlertmanagerConfig, DeployedDashboards, DeployedRules, Flatten, ManifestFolder
from monsuite.errors import UserError
from monsuite.paths import shipped_stacks
from monsuite.userio.argtypes import InputFile, OutputDir

EPILOG = """examples:
  monsuite init mystack --example minimal
  monsuite init mystack --rules alerts.yml --alertmanager-config alertmanager.yml \\
      --prometheus-config prometheus.yml --dashboards dash.json
  then: monsuite scenarios check --stack mystack; pytest suites --stack mystack

exit status: 0 written, 2 bad input (nothing written)"""


def register(commands) -> None:
    parser = commands.add_parser("init", help="write a stack directory from your files or an example",
                                 epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=OutputDir("stack directory", empty=True),
                        help="the stack directory to write (new or empty)")
    parser.add_argument("--example", choices=shipped_stacks(), help="copy an example stack instead (e.g. minimal, default)")
    parser.add_argument("--from", type=ManifestFolder(), dest="from_dir", metavar="DIR",
                        help="a folder of manifests as deployed (e.g. kube-prometheus' manifests/): its PrometheusRules, "
                             "Alertmanager config and dashboards")
    parser.add_argument("--rules", type=DeployedRules(), nargs="+", action=Flatten, default=[], metavar="FILE",
                        help="Prometheus rule files, PrometheusRule manifests, ruler namespace files or folders of them")
    parser.add_argument("--alertmanager-config", type=DeployedAlertmanagerConfig(), metavar="FILE",
                        help="your alertmanager.yml, the Secret holding it, AlertmanagerConfig objects, or a folder")
    parser.add_argument("--prometheus-config", type=InputFile("prometheus-config", "Prometheus config", closed=False),
                        metavar="FILE", help="your prometheus.yml (its global intervals and external labels)")
    parser.add_argument("--dashboards", type=DeployedDashboards(), nargs="+", action=Flatten, default=[],
                        metavar="FILE", help="Grafana dashboard JSON files, ConfigMaps, GrafanaDashboard objects or folders")
    parser.add_argument("--templates", type=InputFile("template", "notification template", structured=False), nargs="+",
                        default=[], metavar="FILE", help="Alertmanager notification templates")
    parser.set_defaults(handler=init)


def init(args) -> int:
    from monsuite.paths import shipped_stack
    from monsuite.userio.outputs import directory_in_place

    target = Path(args.directory)
    if args.example:
        ignored = [flag for flag, given in (("--from", args.from_dir), ("--rules", args.rules),
                                            ("--alertmanager-config", args.alertmanager_config),
                                            ("--prometheus-config", args.prometheus_config),
                                            ("--dashboards", args.dashboards), ("--templates", args.templates)) if given]
        if ignored:
            raise UserError(f"--example copies a shipped stack as it is: {', '.join(ignored)} would be ignored; "
                            "drop --example to build the stack from your files")
        with directory_in_place(target) as staging:
            shutil.copytree(shipped_stack(args.example), staging, dirs_exist_ok=True)
        print(f"{target}: copy of the {args.example} stack; next: pytest suites --stack {target}")
        return 0
    from monsuite.scaffold.stack import init_stack

    if args.from_dir:
        _read_folder(args)
    report = init_stack(target, args.rules, args.alertmanager_config, args.prometheus_config, args.dashboards, args.templates)
    print("\n".join(report.lines()))
    return 0


def _read_folder(args) -> None:
    """--from DIR: what the folder holds, added to what the other flags gave (a flag given wins for the
    Alertmanager config)."""
    from collections import Counter

    from monsuite.deployed import alertmanager, dashboards, rules

    sources, found = rules.read(args.from_dir)
    args.rules = [*args.rules, *(source.path for source in sources)]
    used = Counter(source.document.kind or "rule file" for source in sources)
    if args.alertmanager_config is None:
        deployed = alertmanager.read(args.from_dir, required=False)
        args.alertmanager_config = deployed.path if deployed else None
        used.update(ref.split("/")[0] for ref in (deployed.objects if deployed else []))
    files, holders = dashboards.read_objects(args.from_dir, required=False)
    args.dashboards = [*args.dashboards, *files]
    used.update(document.kind for document in holders)
    ignored = found.ignored - Counter({kind: n for kind, n in used.items() if kind != "PrometheusRule"})
    print(f"{args.from_dir}: {found.files} files; read {', '.join(f'{n} {k}' for k, n in sorted(used.items()))} "
          f"({len(sources)} rule files, {'an' if args.alertmanager_config else 'no'} Alertmanager config, "
          f"{len(files)} dashboards); ignored: {', '.join(f'{n} {k}' for k, n in sorted(ignored.items())) or 'nothing'}")
