"""`monsuite images build`."""

from __future__ import annotations

from monsuite.userio.argtypes import StackArg


def register(commands) -> None:
    images = commands.add_parser("images", help="container images").add_subparsers(metavar="ACTION")
    build = images.add_parser("build", help="make local images from host binaries (when no registry is reachable)")
    build.add_argument("--stack", type=StackArg(), default="default", help="a stack directory, or the name of a shipped stack (default: default)")
    build.set_defaults(handler=images_build)


def images_build(args) -> int:
    from monsuite.images import build_images
    from monsuite.manifest import load_manifest

    built = build_images(load_manifest(args.stack))
    print(f"{len(built)} local images built")
    return 0
