"""Which Prometheus and Alertmanager a run uses: Debian's packages (Prometheus 2.42, Alertmanager 0.25,
the default) or the current releases monsuite builds (`monsuite components build prometheus alertmanager`).

`--release current` puts a folder holding the built prometheus, promtool, alertmanager (also under
Debian's name prometheus-alertmanager) and amtool first on PATH for the whole run, so the stack's
processes and every promtool and amtool check resolve to the same release.
"""

from __future__ import annotations

import os
from pathlib import Path

from monsuite.components import build
from monsuite.components.recipes import RECIPES
from monsuite.errors import UserError

RELEASES = ("debian", "current")
VARIABLE = "MONSUITE_RELEASE"
# command on PATH -> (recipe, its binary)
CURRENT_COMMANDS = {"prometheus": ("prometheus", "prometheus"), "promtool": ("prometheus", "promtool"),
                    "alertmanager": ("alertmanager", "alertmanager"),
                    "prometheus-alertmanager": ("alertmanager", "alertmanager"), "amtool": ("alertmanager", "amtool")}


def selected() -> str:
    return os.environ.get(VARIABLE, "debian")


def apply(release: str) -> None:
    """Make ``release`` the one this process and its children use (idempotent)."""
    if release not in RELEASES:
        raise UserError(f"--release: choose {' or '.join(RELEASES)} (got {release!r})")
    os.environ[VARIABLE] = release
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p != str(_current_folder())]
    if release == "current":
        path.insert(0, str(_current_bin()))
    os.environ["PATH"] = os.pathsep.join(path)


def _current_folder() -> Path:
    return build.cache_root() / "release-current" / "bin"


def _current_bin() -> Path:
    missing = [name for name in ("prometheus", "alertmanager") if build.find_built(RECIPES[name]) is None]
    if missing:
        raise UserError(f"--release current needs {' and '.join(RECIPES[n].release for n in missing)} built: run "
                        f"`monsuite components build {' '.join(missing)}` (cache {build.cache_root()})")
    folder = _current_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for command, (recipe, binary) in CURRENT_COMMANDS.items():
        link, target = folder / command, Path(build.binary(recipe, binary))
        if not link.is_symlink() or Path(os.readlink(link)) != target:
            link.unlink(missing_ok=True)
            link.symlink_to(target)
    return folder


def promtools(besides: str = "promtool") -> list[str]:
    """Every other release's promtool on this machine: Debian's and the built current one (as paths)."""
    import shutil

    first = shutil.which(besides) or besides
    found = []
    for candidate in ("/usr/bin/promtool", build.binary("prometheus", "promtool")):
        if candidate and os.access(candidate, os.X_OK) and os.path.realpath(candidate) != os.path.realpath(first) \
                and os.path.realpath(candidate) not in map(os.path.realpath, found):
            found.append(candidate)
    return found


def describe() -> str:
    if selected() == "current":
        return f"{RECIPES['prometheus'].release} and {RECIPES['alertmanager'].release} (built from their Go modules)"
    return "Prometheus and Alertmanager from Debian's packages"
