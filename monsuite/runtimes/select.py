"""Pick, per component, the runtime that provides it, and explain the components nobody can provide."""

from __future__ import annotations

from monsuite.manifest import EXTERNAL_KINDS, Component, StackManifest
from monsuite.runtimes import docker, external, process
from monsuite.runtimes.base import Choice, Unavailable


def choose_all(manifest: StackManifest, runtime: str, urls: dict[str, str]) -> dict[str, Choice | Unavailable]:
    choices: dict[str, Choice | Unavailable] = {}
    for wave in manifest.start_order():
        for name in wave:
            component = manifest.components[name]
            missing = [d for d in component.depends_on if isinstance(choices[d], Unavailable)]
            if missing:
                choices[name] = Unavailable(f"needs {', '.join(missing)}, which is unavailable")
            else:
                choices[name] = choose(component, runtime, urls)
    return choices


def choose(component: Component, runtime: str, urls: dict[str, str]) -> Choice | Unavailable:
    if runtime == "external":
        found = external.choose(component, urls)
    elif runtime == "process":
        found = process.choose(component)
    elif runtime == "docker":
        found = docker.choose(component)
        if isinstance(found, Unavailable) and component.module:
            # monsuite's own Python components (demo service, sinks) have no image here; they are the
            # suite's instruments and run as local processes next to the containers.
            found = process.choose(component)
    else:  # auto
        found = _first(
            lambda: external.choose(component, urls) if urls.get(component.kind) else Unavailable("no URL given"),
            lambda: docker.choose(component),
            lambda: process.choose(component),
        )
    if isinstance(found, Unavailable):
        return Unavailable(f"{found.reason}. {how_to_provide(component)}")
    return found


def _first(*options) -> Choice | Unavailable:
    reasons = []
    for option in options:
        found = option()
        if isinstance(found, Choice):
            return found
        reasons.append(found.reason)
    return Unavailable("; ".join(reasons))


def how_to_provide(component: Component) -> str:
    ways = []
    if component.image:
        ways.append(f"the image {component.image} (Docker with a registry)")
    if component.binary:
        ways.append(f"the binary {component.binary[0]} on PATH")
    if component.kind in EXTERNAL_KINDS:
        ways.append(f"--{component.kind}-url with --runtime external or auto")
    return f"To provide {component.name}: " + ", or ".join(ways) if ways else ""
