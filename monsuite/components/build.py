"""Build a recipe with the `go` command into the components cache, or find it already built there.

The cache (MONSUITE_COMPONENTS_CACHE, default /var/cache/monsuite/components) holds one folder per
name and version with the binaries and a build.json saying what was built, from which module version,
in how long. A module with replace directives cannot be built with `go install pkg@version`, so every
build runs inside a writable copy of the module as the proxy serves it (`go mod download`). (A recipe
whose go.mod pointed a nested module at a local path would need that module fetched too; none does.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from monsuite.components.recipes import RECIPES, Recipe
from monsuite.errors import UserError

DEFAULT_CACHE = "/var/cache/monsuite/components"
CACHE_VARIABLE = "MONSUITE_COMPONENTS_CACHE"
PLACEHOLDER = "<!doctype html><title>not built</title><p>This build serves the HTTP API only; its web UI was not built.\n"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or DEFAULT_CACHE)


@dataclass
class Built:
    name: str
    module: str
    version: str
    release: str
    binaries: dict[str, str]  # binary name -> path
    seconds: float  # the build's own time (0 when it came from the cache)
    size_bytes: int
    from_cache: bool = False

    def line(self) -> str:
        how = "cached" if self.from_cache else f"built in {self.seconds:.0f}s"
        return (f"{self.name:<13} {self.release:<40} {self.module}@{self.version}  {how}, "
                f"{self.size_bytes / 2**20:.0f} MiB ({', '.join(sorted(self.binaries))})")


def folder(recipe: Recipe) -> Path:
    return cache_root() / recipe.key


def find_built(recipe: Recipe) -> Built | None:
    """The recipe's build in the cache, if complete (every binary there, build.json written last)."""
    record = folder(recipe) / "build.json"
    try:
        data = json.loads(record.read_text())
    except (OSError, ValueError):
        return None
    built = Built(**{**data, "from_cache": True})
    return built if all(os.access(path, os.X_OK) for path in built.binaries.values()) else None


def binary(name: str, command: str | None = None) -> str | None:
    """The path of a built component's binary (``command`` defaults to the component's own name)."""
    built = find_built(RECIPES[name]) if name in RECIPES else None
    return built.binaries.get(command or name) if built else None


def build(recipe: Recipe, log=print) -> Built:
    found = find_built(recipe)
    if found:
        return found
    if shutil.which("go") is None:
        raise UserError(f"{recipe.name}: the go command is not on PATH; install Go (1.24 or newer) to build "
                        f"{recipe.module}@{recipe.version}, or skip the build with MONSUITE_SKIP_COMPONENT_BUILD=1")
    target = folder(recipe)
    target.parent.mkdir(parents=True, exist_ok=True)
    log(f"components: building {recipe.name} ({recipe.module}@{recipe.version}) ...")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"monsuite-build-{recipe.name}-") as work:
        source = _writable_copy(recipe, Path(work) / "src")
        for relative in recipe.placeholders:
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            (source / relative).write_text(PLACEHOLDER)
        staging = Path(work) / "bin"
        staging.mkdir()
        for name, package in recipe.commands.items():
            _go(["build", "-o", str(staging / name), package], source, recipe)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staging, target)
    binaries = {name: str(target / name) for name in recipe.commands}
    built = Built(recipe.name, recipe.module, recipe.version, recipe.release, binaries,
                  round(time.monotonic() - started, 1), sum(Path(p).stat().st_size for p in binaries.values()))
    (target / "build.json").write_text(json.dumps(asdict(built) | {"from_cache": False}, indent=2) + "\n")
    return built


def _writable_copy(recipe: Recipe, destination: Path) -> Path:
    listed = _go(["mod", "download", "-json", f"{recipe.module}@{recipe.version}"], None, recipe)
    module_dir = json.loads(listed)["Dir"]
    shutil.copytree(module_dir, destination)
    for path in [destination, *destination.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return destination


def _go(args: list[str], cwd: Path | None, recipe: Recipe) -> str:
    env = {**os.environ, "GOFLAGS": "-mod=mod -buildvcs=false", "GOTOOLCHAIN": "local", "GOWORK": "off"}
    done = subprocess.run(["go", *args], cwd=cwd or tempfile.gettempdir(), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise UserError(f"{recipe.name}: `go {' '.join(args)}` failed for {recipe.module}@{recipe.version}:\n{tail}")
    return done.stdout
