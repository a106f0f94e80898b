"""The layer rule of docs/architecture.md, held by import-linter (.importlinter): no module imports from a
layer above its own, and no package's modules import one another in a cycle."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import monsuite

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / ".importlinter"


def _layered_modules() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    lines = parser["importlinter:contract:layers"]["layers"].split("\n")
    return {name.strip() for line in lines for name in line.replace("|", ":").split(":") if name.strip()}


def test_every_module_of_the_package_has_a_layer():
    package = Path(monsuite.__file__).parent
    modules = {f"monsuite.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"monsuite.{p.parent.name}" for p in package.glob("*/__init__.py")}
    unplaced = sorted(modules - _layered_modules())
    assert not unplaced, f"place these in a layer of {CONFIG.name} (and docs/architecture.md): {unplaced}"


def test_no_import_goes_up_a_layer_or_round_a_cycle():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "lint-imports (import-linter) is installed with the test extra: pip install -e '.[test]'"
    done = subprocess.run([lint, "--config", str(CONFIG), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout
