"""Pick, per component, the runtime that provides it, and explain the components nobody can provide."""

from __future__ import annotations

from monsuite.manifest import EXTERNAL_KINDS, Component, StackManifest
from monsuite.runtimes.base import Choice, Unavailable
from monsuite.runtimes.registry import REGISTRY


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


# The runtimes asked in turn, per --runtime: `auto` takes a given URL first, then an image, then a host binary.
ORDER = {"auto": ("external", "docker", "process"), "docker": ("docker",), "process": ("process",),
         "external": ("external",)}


def choose(component: Component, runtime: str, urls: dict[str, str]) -> Choice | Unavailable:
    def ask(name: str):
        if runtime == "auto" and not REGISTRY[name].starts and not urls.get(component.kind):
            return lambda: Unavailable("no URL given")  # auto points at an existing one only when told to
        return lambda: REGISTRY[name].choose(component, urls)

    found = _first(*(ask(name) for name in ORDER[runtime]))
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
    if component.build:
        ways.append(f"`monsuite components build {component.build}` (Go and the module proxy)")
    if component.kind in EXTERNAL_KINDS:
        ways.append(f"--{component.kind}-url with --runtime external or auto")
    from monsuite.components.recipes import UNBUILDABLE

    unbuildable = f" ({UNBUILDABLE[component.kind].reason})" if component.kind in UNBUILDABLE and not component.build else ""
    return f"To provide {component.name}: " + ", or ".join(ways) + unbuildable if ways else ""
