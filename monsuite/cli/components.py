"""`monsuite components build` and `monsuite components list`."""

from __future__ import annotations

import os
import time

from monsuite.errors import UserError
from monsuite.userio.argtypes import Text


def register(commands) -> None:
    components = commands.add_parser("components", help="components built from their Go modules").add_subparsers(metavar="ACTION")
    build = components.add_parser("build", help="build pinned releases from the Go module proxy into the cache "
                                  "(a second run builds nothing)")
    build.add_argument("names", type=Text("a component name, checked against the recipes"), nargs="*", metavar="NAME", help="components to build (default: all that monsuite builds)")
    build.set_defaults(handler=components_build)
    listing = components.add_parser("list", help="what monsuite builds, from which module version, and what is cached")
    listing.set_defaults(handler=components_list)


def _names(given: list[str]) -> list[str]:
    from monsuite.components.recipes import RECIPES, UNBUILDABLE

    for name in given:
        if name in UNBUILDABLE:
            raise UserError(f"{name}: {UNBUILDABLE[name].reason}; {UNBUILDABLE[name].provide}")
        if name not in RECIPES:
            raise UserError(f"{name}: no such component to build; choose from {', '.join(RECIPES)}")
    return given or list(RECIPES)


def components_build(args) -> int:
    from monsuite.components.build import build, cache_root
    from monsuite.components.recipes import RECIPES, UNBUILDABLE

    names = _names(args.names)
    if os.environ.get("MONSUITE_SKIP_COMPONENT_BUILD"):
        print("components: MONSUITE_SKIP_COMPONENT_BUILD is set: nothing built")
        return 0
    started = time.monotonic()
    for name in names:
        print(build(RECIPES[name]).line())
    if not args.names:
        for skipped in UNBUILDABLE.values():
            print(f"{skipped.name:<13} {skipped.reason}; {skipped.provide}")
    print(f"components: {len(names)} ready in {cache_root()} after {time.monotonic() - started:.1f}s")
    return 0


def components_list(args) -> int:
    from monsuite.components.build import cache_root, find_built
    from monsuite.components.recipes import RECIPES, UNBUILDABLE

    for recipe in RECIPES.values():
        built = find_built(recipe)
        print(built.line() if built else f"{recipe.name:<13} {recipe.release:<40} {recipe.module}@{recipe.version}  not built")
    for skipped in UNBUILDABLE.values():
        print(f"{skipped.name:<13} {skipped.reason}")
    print(f"cache: {cache_root()}")
    return 0
