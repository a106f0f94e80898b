"""Argument types for configuration as deployed: a flag that takes rules, an Alertmanager config or dashboards
also takes a manifest, a multi-document stream or a folder of them. Each unwraps while the arguments are
parsed (bad input is said before anything runs) and hands the command the plain files the tools read."""

from __future__ import annotations

import argparse
from pathlib import Path

from monsuite.deployed import alertmanager, dashboards, rules
from monsuite.deployed.documents import files_of
from monsuite.errors import UserError
from monsuite.userio.argtypes import InputFile
from monsuite.userio.inputs import read_text


class Flatten(argparse.Action):
    """nargs='+' of a type that turns one value into several files: one flat list of them."""

    def __call__(self, parser, namespace, values, option_string=None):
        flat = []
        for value in values if isinstance(values, list) else [values]:
            flat.extend(value if isinstance(value, list) else [value])
        setattr(namespace, self.dest, flat)


class DeployedRules(InputFile):
    """Rule files, PrometheusRule manifests, ruler namespace files, or a folder of them: the plain rule files."""

    def __init__(self, *, checked: bool = False):
        super().__init__("rules", "rule file", checked=checked)

    def convert(self, text: str) -> list[Path]:
        try:
            return rules.rule_files(text)
        except UserError:
            if self.checked and Path(text).is_file():
                read_text(text, self.what)  # missing, empty, not text: bad input whatever the format
                if not rules.holds_objects(Path(text)):
                    return [Path(text)]  # a plain rule file promtool rejects: its verdict, as promtool says it
            raise


class DeployedAlertmanagerConfig(InputFile):
    """An Alertmanager config, the Secret holding it, AlertmanagerConfig objects, or a folder: one plain config."""

    def __init__(self):
        super().__init__("alertmanager-config", "Alertmanager config")

    def convert(self, text: str) -> Path:
        if text.endswith(".j2"):  # a template: rendered by the command that reads it
            return super().convert(text)
        return alertmanager.config_file(text)


class ManifestFolder(InputFile):
    """A folder of manifests (kube-prometheus' manifests/, `helm template` output split into files)."""

    def __init__(self):
        super().__init__("manifests", "folder of manifests", closed=False)

    def convert(self, text: str) -> Path:
        path = Path(text)
        if path.is_file():
            raise UserError(f"{text}: not a folder; --from reads a whole folder of manifests "
                            "(give a single file with --rules, --alertmanager-config, --dashboards)")
        files_of(path, self.what)
        return path


class DeployedDashboards(InputFile):
    """Dashboard JSON files, ConfigMaps, GrafanaDashboard objects, or a folder: the dashboards' JSON files."""

    def __init__(self):
        super().__init__("dashboard", "Grafana dashboard", closed=False)

    def convert(self, text: str) -> list[Path]:
        return dashboards.read(text)
