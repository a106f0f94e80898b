"""`monsuite images build`: local images made from binaries already on the host.

Where no registry is reachable, the official images cannot be pulled. For every component that has
both an image and a host binary, this makes a minimal root filesystem (the binary, the shared
libraries `ldd` lists, the data files of its Debian package, /etc/passwd and /tmp) and imports it with `docker import` as
monsuite.local/<binary>:host, with the binary as entrypoint. The docker runtime uses such an image
when the official one is not obtainable, and says so.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
import time
from dataclasses import dataclass

from monsuite.errors import UserError
from monsuite.manifest import StackManifest
from monsuite.runtimes import docker as docker_runtime
from monsuite.runtimes.process import host_binary

PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
SKIPPED_SHARE = ("/usr/share/doc", "/usr/share/man", "/usr/share/lintian", "/usr/share/bash-completion", "/usr/share/zsh")


@dataclass
class BuiltImage:
    component: str
    image: str
    binary: str
    seconds: float
    size_bytes: int


def shared_libraries(binary: str) -> list[str]:
    """Absolute paths of the libraries (and the loader) that ``binary`` needs, per ldd."""
    result = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if result.returncode != 0:  # a static binary: "not a dynamic executable"
        return []
    paths = []
    for line in result.stdout.splitlines():
        match = re.search(r"(/\S+)\s+\(0x", line)
        if match:
            paths.append(match.group(1))
    return paths


def package_files(binary: str) -> list[str]:
    """Data files shipped with the binary's Debian package (templates, consoles), docs excluded."""
    owner = subprocess.run(["dpkg", "-S", os.path.realpath(binary)], capture_output=True, text=True)
    if owner.returncode != 0:
        return []
    package = owner.stdout.split(":", 1)[0]
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout.splitlines()
    return [path for path in listing
            if path.startswith("/usr/share/") and not path.startswith(SKIPPED_SHARE) and os.path.isfile(path)]


def rootfs_tar(binary: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("tmp", "etc", "usr/bin"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        for name, text in (("etc/passwd", PASSWD), ("etc/group", GROUP), ("etc/nsswitch.conf", "hosts: files dns\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for path in [binary, *shared_libraries(binary), *package_files(binary)]:
            real = os.path.realpath(path)
            tar.add(real, arcname=path.lstrip("/"))
    return buffer.getvalue()


def build_images(manifest: StackManifest, log=print) -> list[BuiltImage]:
    client = docker_runtime.client()
    if client is None:
        raise UserError(f"monsuite images build: {docker_runtime.daemon_error()}; start dockerd first (`make setup` does)")
    built = []
    for component in manifest.components.values():
        image_name = docker_runtime.local_image_name(component)
        if not component.image or not image_name or component.run_as:
            continue
        binary = host_binary(component)
        if binary is None:
            log(f"{component.name:<20} skipped: binary {component.binary[0]} not on this host")
            continue
        t0 = time.monotonic()
        archive = rootfs_tar(binary)
        repository, tag = image_name.rsplit(":", 1)
        client.api.import_image_from_data(
            archive, repository=repository, tag=tag, changes=[f'ENTRYPOINT ["{binary}"]', "WORKDIR /tmp"],
        )
        item = BuiltImage(component.name, image_name, binary, time.monotonic() - t0, len(archive))
        built.append(item)
        log(f"{component.name:<20} {image_name:<45} from {binary} ({item.size_bytes / 1e6:.1f} MB, {item.seconds:.2f}s)")
    return built
